"""Subprocess scenario for tests/test_network.py (not a test module).

`python -m tests.helpers_network STORE CORPUS` first blocks every socket connection and name lookup
that is not to the loopback interface (and records each attempt), then does what a user does:
opens a store (loading the packaged model in this fresh process), ingests the corpus, asks and
searches, then starts the Gradio app on 127.0.0.1 and asks through its API. It prints one JSON line:
the attempted outbound connections (must be none) and what it got.
"""

from __future__ import annotations

import ipaddress
import json
import socket
import sys

ATTEMPTS: list[str] = []
_real_getaddrinfo = socket.getaddrinfo
_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex


def _loopback(host) -> bool:
    if host is None:
        return True
    host = host.decode() if isinstance(host, bytes) else str(host)
    if host in ("localhost", "localhost.localdomain", ""):
        return True
    try:
        return ipaddress.ip_address(host.split("%")[0]).is_loopback
    except ValueError:
        return False


def _getaddrinfo(host, *args, **kwargs):
    if not _loopback(host):
        ATTEMPTS.append(f"getaddrinfo {host}")
        raise socket.gaierror(socket.EAI_NONAME, f"network blocked by the test: {host}")
    return _real_getaddrinfo(host, *args, **kwargs)


def _check(sock: socket.socket, address) -> None:
    if sock.family in (socket.AF_INET, socket.AF_INET6) and not _loopback(address[0]):
        ATTEMPTS.append(f"connect {address[0]}:{address[1]}")
        raise OSError(f"network blocked by the test: {address[0]}")


def _connect(self, address):
    _check(self, address)
    return _real_connect(self, address)


def _connect_ex(self, address):
    _check(self, address)
    return _real_connect_ex(self, address)


def install() -> None:
    socket.getaddrinfo = _getaddrinfo
    socket.socket.connect = _connect
    socket.socket.connect_ex = _connect_ex


def main(store: str, corpus: str) -> dict:
    install()
    from assistant import Assistant

    out: dict = {}
    bot = Assistant.open(store)
    report = bot.ingest([corpus])
    out["added"] = report.added
    answer = bot.ask("why cramps at night?")
    out["covered"] = answer.covered
    out["cited"] = sorted({c.source for c in answer.citations})
    out["search"] = [h.source for h in bot.search("nosebleed", k=3)]

    from gradio_client import Client

    from assistant.web.app import build_ui, launch_kwargs

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    demo = build_ui(bot, bot.settings, corpus=corpus)
    _, url, _ = demo.launch(prevent_thread_lock=True, quiet=True, **launch_kwargs(bot.settings.with_(port=port)))
    try:
        markdown = Client(url, verbose=False, analytics_enabled=False).predict("why cramps at night?", api_name="/ask")
        out["app_answer"] = "**Sources**" in markdown and "leg-cramps-at-night.txt" in markdown
    finally:
        demo.close()
        bot.close()
    out["attempts"] = ATTEMPTS
    return out


if __name__ == "__main__":
    result = main(sys.argv[1], sys.argv[2])
    print("RESULT " + json.dumps(result), flush=True)
