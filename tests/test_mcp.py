"""MCP tools of the app: the real `python app.py` with ASSISTANT_MCP=1 and a login, driven by the official
`mcp` Python client over streamable HTTP on 127.0.0.1 (list the tools, call each, a bad source, no login)."""

from __future__ import annotations

import asyncio
import json
import shutil

import httpx
import pytest
from mcp import ClientSession
from mcp.client.streamable_http import streamablehttp_client

from assistant import Settings
from assistant.web.app import build_ui, launch_kwargs
from assistant.web.mcp_auth import basic_auth_header

from .helpers_app import free_port, start_app, stop
from .helpers_data import CORPUS

USER, PASSWORD = "ann", "s3cret"
FOLLOW_UP = "how can I make them stop quickly?"
ARTICLES = ["leg-cramps-at-night.txt", "nosebleeds.txt", "snoring.txt", "hiccups.txt", "dehydration.md"]
INITIALIZE = {
    "jsonrpc": "2.0", "id": 1, "method": "initialize",
    "params": {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "t", "version": "0"}},
}
MCP_HEADERS = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json"}


@pytest.fixture(scope="module")
def mcp_app(tmp_path_factory):
    """The real app, MCP on and a login set, over a few shipped articles; yields (MCP endpoint URL, output)."""
    root = tmp_path_factory.mktemp("mcp")
    corpus = root / "corpus"
    corpus.mkdir()
    for name in ARTICLES:
        shutil.copy(CORPUS / name, corpus / name)
    port = free_port()
    proc, output = start_app(corpus, root / "store", port, env={"ASSISTANT_MCP": "1", "ASSISTANT_AUTH": f"{USER}:{PASSWORD}"})
    try:
        line = next(line for line in output if line.startswith("MCP tools"))
        url = line.split(": ", 1)[1].split(";")[0].strip()
        yield url, output
    finally:
        stop(proc)


async def _session_calls(url: str, calls: list[tuple[str, dict]]) -> tuple[list, list]:
    headers = {"Authorization": basic_auth_header(USER, PASSWORD)}
    async with streamablehttp_client(url, headers=headers) as (read, write, _):
        async with ClientSession(read, write) as session:
            await session.initialize()
            tools = (await session.list_tools()).tools
            results = [await session.call_tool(name, args) for name, args in calls]
    return tools, results


@pytest.fixture(scope="module")
def session_results(mcp_app):
    url, _ = mcp_app
    calls = [
        ("search_articles", {"query": "leg cramps at night", "k": 3}),
        ("ask", {"question": "why cramps at night?"}),
        ("get_article", {"source": "leg-cramps-at-night.txt"}),
        ("get_article", {"source": "leg-cramps.txt"}),
        ("search_articles", {"query": "cramps", "k": 0}),
        ("ask", {"question": "   "}),
        ("ask", {"question": FOLLOW_UP, "history": ["why cramps at night?"]}),
        ("ask", {"question": FOLLOW_UP, "history": [{"role": "user", "content": "why cramps at night?"},
                                                    {"role": "assistant", "content": "Cold and tired muscles. [1]"}]}),
        ("ask", {"question": FOLLOW_UP}),
        ("ask", {"question": FOLLOW_UP, "history": ["why cramps at night?", {"who": "me"}]}),
    ]
    tools, results = asyncio.run(asyncio.wait_for(_session_calls(url, calls), timeout=300))
    return {t.name: t for t in tools}, results


def test_the_app_prints_the_mcp_endpoint_once(mcp_app):
    url, output = mcp_app
    assert url.startswith("http://127.0.0.1:") and url.endswith("/gradio_api/mcp/")
    start = output[: next(i for i, line in enumerate(output) if line.startswith("Ready in")) + 1]
    assert sum("/gradio_api/mcp" in line for line in start) == 1, "".join(start)  # not Gradio's block as well


def test_tools_are_listed_with_descriptions_for_a_model(session_results):
    tools, _ = session_results
    assert set(tools) == {"search_articles", "ask", "get_article"}
    for tool in tools.values():
        assert len(tool.description) > 80, tool.name
        props = tool.inputSchema["properties"]
        assert props and all(p.get("description") for p in props.values()), tool.name
    assert tools["search_articles"].inputSchema["required"] == ["query"]
    assert tools["search_articles"].inputSchema["properties"]["k"]["type"] == "integer"
    assert "get_article" in tools["search_articles"].description


def test_search_articles_returns_ranked_passages(session_results):
    _, results = session_results
    result = results[0]
    assert not result.isError
    passages = json.loads(result.content[0].text)
    assert len(passages) == 3
    assert passages[0]["source"] == "leg-cramps-at-night.txt" and passages[0]["rank"] == 1
    assert set(passages[0]) == {"rank", "title", "section", "source", "url", "page", "page_end", "score", "similarity",
                                "passage"}
    assert passages[0]["page"] is None  # a .txt article has no pages
    assert [p["score"] for p in passages] == sorted((p["score"] for p in passages), reverse=True)


def test_ask_gives_the_cited_answer(session_results):
    _, results = session_results
    result = results[1]
    assert not result.isError
    text = result.content[0].text
    assert "[1]" in text and "**Sources**" in text and "leg-cramps-at-night.txt" in text
    assert "?article=" not in text  # no in-app links
    assert "<mark>" not in text and "<a " not in text and "**" in text  # Markdown without HTML: cited sentences bold


def test_ask_answers_a_follow_up_given_the_history(session_results):
    tools, results = session_results
    history = tools["ask"].inputSchema["properties"]["history"]
    assert "history" not in tools["ask"].inputSchema.get("required", []) and "follow-up" in history["description"]
    after_questions, after_messages, alone, bad = results[6:]
    for result in (after_questions, after_messages):
        assert not result.isError
        assert "The fastest ways to stop a leg cramp" in result.content[0].text
    assert after_questions.content[0].text == after_messages.content[0].text
    assert "**Sources**" not in alone.content[0].text  # without the conversation it is refused
    assert bad.isError and bad.content[0].text.startswith('history item 2 ({"who": "me"}) is neither a question nor')


def test_get_article_returns_the_whole_cleaned_article(session_results):
    _, results = session_results
    result = results[2]
    assert not result.isError
    text = result.content[0].text
    assert text.startswith("# ") and "Source: leg-cramps-at-night.txt" in text
    assert text.count("\n## ") >= 2 and "<<:" not in text and ">>:" not in text
    assert len(text) > 1500


def test_bad_arguments_give_clear_tool_errors(session_results):
    _, results = session_results
    unknown, bad_k, empty = results[3:6]
    for result in (unknown, bad_k, empty):
        assert result.isError
        assert "Traceback" not in result.content[0].text and "File \"" not in result.content[0].text
    assert unknown.content[0].text.startswith("No article with source 'leg-cramps.txt'")
    assert "'leg-cramps-at-night.txt'" in unknown.content[0].text  # the close match is suggested
    assert "search_articles" in unknown.content[0].text
    assert "k must be from 1 to 20" in bad_k.content[0].text
    assert "question is empty" in empty.content[0].text


def test_mcp_calls_without_the_login_are_refused(mcp_app, session_results):
    url, output = mcp_app
    for headers in ({}, {"Authorization": basic_auth_header(USER, "wrong")}, {"Authorization": "Bearer s3cret"}):
        r = httpx.post(url, json=INITIALIZE, headers={**MCP_HEADERS, **headers}, timeout=30)
        assert r.status_code == 401, headers
        assert r.headers["www-authenticate"].startswith("Basic ")
    call = {"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": {"name": "ask", "arguments": {"question": "x"}}}
    assert httpx.post(url, json=call, headers=MCP_HEADERS, timeout=30).status_code == 401
    assert httpx.get(url + "schema", timeout=30).status_code == 401
    with pytest.raises(BaseException) as refused:  # noqa: B017 - checked below: the client's error for the 401
        asyncio.run(asyncio.wait_for(_session_calls_without_login(url), timeout=60))
    assert _http_statuses(refused.value) == {401}, repr(refused.value)
    ok = httpx.post(url, json=INITIALIZE, headers={**MCP_HEADERS, "Authorization": basic_auth_header(USER, PASSWORD)},
                    timeout=30)
    assert ok.status_code == 200
    assert not any("Traceback" in line for line in output)


def _http_statuses(exc: BaseException | None, seen: set[int] | None = None) -> set[int]:
    """HTTP status codes of the httpx errors in an exception, its groups and causes (not a timeout)."""
    seen = set() if seen is None else seen
    if exc is None or id(exc) in seen:
        return set()
    seen.add(id(exc))
    found = {exc.response.status_code} if isinstance(exc, httpx.HTTPStatusError) else set()
    for inner in [*getattr(exc, "exceptions", ()), exc.__cause__, exc.__context__]:
        found |= _http_statuses(inner, seen)
    return found


async def _session_calls_without_login(url: str) -> None:
    async with streamablehttp_client(url) as (read, write, _):
        async with ClientSession(read, write) as session:
            await session.initialize()


def test_mcp_is_off_by_default(shipped_bot, monkeypatch):
    settings = Settings.from_env(store=shipped_bot.store_dir, port=free_port())
    assert settings.mcp is False and launch_kwargs(settings)["mcp_server"] is False
    monkeypatch.setenv("ASSISTANT_MCP", "1")
    assert Settings.from_env().mcp is True
    monkeypatch.setenv("ASSISTANT_MCP", "maybe")
    with pytest.raises(ValueError, match="ASSISTANT_MCP"):
        Settings.from_env()
    demo = build_ui(shipped_bot, settings, corpus=shipped_bot.corpus_dir)
    _, url, _ = demo.launch(prevent_thread_lock=True, quiet=True, **launch_kwargs(settings))
    try:
        assert httpx.post(url + "gradio_api/mcp/", json=INITIALIZE, headers=MCP_HEADERS, timeout=30).status_code == 404
        api = httpx.get(url + "gradio_api/info", timeout=30).json()["named_endpoints"]
        assert "/ask" in api and not {"/search_articles", "/get_article"} & set(api)  # those two only with MCP on
    finally:
        demo.close()


def test_app_flag_turns_mcp_on():
    from app import parse_args

    assert parse_args(["--mcp"]).mcp is True and parse_args([]).mcp is False
