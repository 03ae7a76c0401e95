"""Brute force through a forged X-Forwarded-For or the MCP endpoint (issue 25): forwarded headers are trusted
only from the proxy ASSISTANT_TRUSTED_PROXY names, and the login form and the MCP basic auth share one
throttle per client address. The app's own launch settings (launch_kwargs), served for real on 127.0.0.1."""

from __future__ import annotations

import gradio as gr
import httpx
import pytest

from assistant import Settings
from assistant.web.app import launch_kwargs
from assistant.web.mcp_auth import basic_auth_header

from .helpers_app import free_port

USER, PASSWORD = "ann", "s3cret"
WRONG, RIGHT = {"username": USER, "password": "wrong"}, {"username": USER, "password": PASSWORD}
INITIALIZE = {
    "jsonrpc": "2.0", "id": 1, "method": "initialize",
    "params": {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "t", "version": "0"}},
}  # fmt: skip
MCP_HEADERS = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json"}


def echo(text: str) -> str:
    """Echo the text back.

    Args:
        text: What to echo.
    """
    return text


@pytest.fixture
def served(monkeypatch):
    """Factory: a small app served with the app's launch settings (login, MCP); yields its URL."""
    monkeypatch.delenv("FORWARDED_ALLOW_IPS", raising=False)  # what uvicorn reads: launch_kwargs sets it
    demos = []

    def serve(**settings) -> str:
        with gr.Blocks() as demo:
            gr.Markdown("hello")
            gr.api(echo, api_name="echo", queue=False)
        kwargs = launch_kwargs(Settings(auth=f"{USER}:{PASSWORD}", port=free_port(), mcp=True, **settings))
        _, url, _ = demo.launch(prevent_thread_lock=True, quiet=True, **kwargs)
        demos.append(demo)
        return url

    yield serve
    for demo in demos:
        demo.close()


def _client(url: str, address: str = "127.0.0.1") -> httpx.Client:
    return httpx.Client(base_url=url, timeout=30, transport=httpx.HTTPTransport(local_address=address))


def _mcp(client: httpx.Client, password: str, forwarded: str | None = None) -> int:
    headers = {**MCP_HEADERS, "Authorization": basic_auth_header(USER, password)}
    if forwarded:
        headers["X-Forwarded-For"] = forwarded
    return client.post("gradio_api/mcp/", json=INITIALIZE, headers=headers).status_code


def test_a_forged_forwarded_address_with_every_guess_is_still_throttled(served):
    url = served()
    with _client(url) as here:
        codes = [
            here.post("login", data=WRONG, headers={"X-Forwarded-For": f"10.0.{i}.9"}).status_code for i in range(12)
        ]
        right = here.post("login", data=RIGHT, headers={"X-Forwarded-For": "10.9.9.9"})
    assert codes == [400] * 10 + [429] * 2, codes
    assert right.status_code == 429


def test_forwarded_addresses_count_when_they_come_from_the_configured_proxy(served):
    url = served(trusted_proxy="127.0.0.1")
    with _client(url) as proxy:
        codes = [
            proxy.post("login", data=WRONG, headers={"X-Forwarded-For": "10.0.0.1"}).status_code for _ in range(11)
        ]
        assert codes == [400] * 10 + [429], codes
        assert proxy.post("login", data=RIGHT, headers={"X-Forwarded-For": "10.0.0.2"}).status_code == 200
    with _client(url, "127.0.0.2") as other:  # not the proxy: its forged header names no one
        codes = [
            other.post("login", data=WRONG, headers={"X-Forwarded-For": f"10.1.{i}.1"}).status_code for i in range(11)
        ]
        assert codes == [400] * 10 + [429], codes


def test_fifty_wrong_mcp_logins_are_throttled_and_the_right_one_then_waits(served):
    url = served()
    with _client(url) as here:
        codes = [_mcp(here, f"guess{i}", forwarded=f"10.2.{i}.1") for i in range(50)]
        assert codes == [401] * 10 + [429] * 40, codes
        assert _mcp(here, PASSWORD) == 429
        assert here.post("login", data=RIGHT).status_code == 429  # one throttle for the form and MCP
    with _client(url, "127.0.0.2") as other:  # other addresses are not affected
        assert _mcp(other, PASSWORD) == 200
        assert other.post("login", data=RIGHT).status_code == 200


def test_wrong_form_and_mcp_logins_add_up_in_one_throttle(served):
    url = served()
    with _client(url) as here:
        codes = [here.post("login", data=WRONG).status_code for _ in range(5)]
        codes += [_mcp(here, "wrong") for _ in range(5)]
        assert codes == [400] * 5 + [401] * 5, codes
        assert _mcp(here, PASSWORD) == 429 and here.post("login", data=RIGHT).status_code == 429
