"""The Gradio app: the `ask` API endpoint through gradio_client, the chat handler (streaming,
sources, follow-ups), uploads, delete, feedback, the article reader and XSS escaping."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import replace

import gradio as gr
import httpx
import pytest

from assistant import Assistant, AssistantError, Response, Settings
from assistant.web.app import ChatApp, build_ui, launch_kwargs, parse_auth, typed
from assistant.web.feedback import read_feedback, record_feedback
from assistant.web.render import article_html, article_key, escape_text, render_answer

from .helpers_app import free_port
from .helpers_data import CORPUS, REPO

ARTICLES = ["leg-cramps-at-night.txt", "nosebleeds.txt", "snoring.txt", "hiccups.txt", "dehydration.md"]
XSS = (
    "Kitchen burns <script>alert(1)</script>\n\n"
    "First aid for small kitchen burns\n\n"
    "Cool a small kitchen burn under cool running water for twenty minutes <img src=x onerror=alert(1)> "
    "and cover it loosely with cling film. [click me](javascript:alert(1)) ${alert(1)} {{constructor}}\n"
)
NEW_ARTICLE = (
    "# Chilblains in cold weather\n\n## What chilblains are\n\n"
    "Chilblains are itchy, swollen red patches on the toes and fingers that appear a few hours after "
    "the skin gets cold and is then warmed too quickly, for example by a hot radiator.\n"
)
NO_PROGRESS = staticmethod(lambda *a, **k: None)


@pytest.fixture(scope="module")
def site(tmp_path_factory, embedder):
    """A small corpus (4 shipped articles + an XSS article) ingested into a temp store."""
    root = tmp_path_factory.mktemp("app")
    corpus = root / "corpus"
    corpus.mkdir()
    for name in ARTICLES:
        shutil.copy(CORPUS / name, corpus / name)
    (corpus / "kitchen-burns.txt").write_text(XSS)
    settings = Settings.from_env(store=root / "store", corpus=corpus)
    bot = Assistant.open(settings=settings, embedder=embedder)
    bot.ingest([corpus])
    yield bot, settings, corpus
    bot.close()


@pytest.fixture(scope="module")
def server(site):
    bot, settings, corpus = site
    demo = build_ui(bot, settings, corpus=corpus)
    kwargs = launch_kwargs(settings.with_(port=free_port()))
    _, url, _ = demo.launch(prevent_thread_lock=True, quiet=True, **kwargs)
    yield url, demo
    demo.close()


@pytest.fixture
def app(site) -> ChatApp:
    bot, settings, corpus = site
    app = ChatApp(bot, settings, corpus=corpus)
    app.typing_seconds = 0.0
    return app


def final_message(app: ChatApp, question: str, history: list | None = None) -> tuple[list, str]:
    steps = list(app.chat(question, history or []))
    return steps, steps[-1][0]


# --- the API endpoint -------------------------------------------------------------------------


def test_ask_endpoint_answers_with_sources(server):
    from gradio_client import Client

    url, _ = server
    client = Client(url, verbose=False, download_files=False)
    markdown = client.predict("why cramps at night?", api_name="/ask")
    assert isinstance(markdown, str)
    assert "[1]" in markdown and "**Sources**" in markdown
    assert "leg-cramps-at-night.txt" in markdown
    assert "?article=" not in markdown  # in-app links are left out of the API answer
    assert "/ask" in client.view_api(print_info=False, return_format="dict")["named_endpoints"]


FOLLOW_UP = "how can I make them stop quickly?"


def test_ask_endpoint_answers_a_follow_up_given_the_history_as_the_chat_does(server, app):
    from gradio_client import Client

    url, _ = server
    client = Client(url, verbose=False, download_files=False)
    first = client.predict("why cramps at night?", api_name="/ask")
    alone = client.predict(FOLLOW_UP, api_name="/ask")
    after_questions = client.predict(FOLLOW_UP, ["why cramps at night?"], api_name="/ask")
    after_messages = client.predict(
        question=FOLLOW_UP, api_name="/ask",
        history=[{"role": "user", "content": "why cramps at night?"}, {"role": "assistant", "content": first}],
    )
    assert "**Sources**" not in alone  # without the conversation it is refused, as the issue found
    _, chat = final_message(app, FOLLOW_UP, [{"role": "user", "content": "why cramps at night?"},
                                             {"role": "assistant", "content": "Cold and tired muscles. [1]"}])
    for answer in (after_questions, after_messages):
        assert "The fastest ways to stop a leg cramp" in answer and "leg-cramps-at-night.txt" in answer
        assert answer.split("**Sources**")[0] == chat.split("**Sources**")[0]  # the chat's answer, word for word
    params = client.view_api(print_info=False, return_format="dict")["named_endpoints"]["/ask"]["parameters"]
    expected = [("question", False), ("history", True)]
    assert [(p["parameter_name"], p["parameter_has_default"]) for p in params] == expected


def test_ask_endpoint_gives_markdown_without_html(server):
    from gradio_client import Client

    url, _ = server
    markdown = Client(url, verbose=False, download_files=False).predict("why cramps at night?", api_name="/ask")
    assert "<" not in markdown.replace("\\<", "")  # no tag: no <mark>, <a>, <sub> (a "<" of the text is escaped)
    assert "**Sources**" in markdown and "\n> " in markdown  # the quotes are Markdown block quotes
    assert "relevance 0.00" not in markdown


def test_ask_endpoint_refuses_a_history_it_cannot_read_clearly(server):
    from gradio_client import Client
    from gradio_client.exceptions import AppError

    url, _ = server
    client = Client(url, verbose=False, download_files=False)
    with pytest.raises(AppError, match=r"history item 2 .* is neither a question nor a message"):
        client.predict(FOLLOW_UP, ["why cramps at night?", {"who": "me"}], api_name="/ask")


def test_ask_endpoint_refuses_an_empty_question_clearly(server):
    from gradio_client import Client
    from gradio_client.exceptions import AppError

    url, _ = server
    client = Client(url, verbose=False, download_files=False)
    with pytest.raises(AppError, match="empty"):  # the app's own message reaches the API caller
        client.predict("   ", api_name="/ask")


def test_server_binds_localhost_and_serves_no_external_assets(server):
    url, _ = server
    assert url.startswith("http://127.0.0.1:")
    page = httpx.get(url, timeout=30).text
    css = httpx.get(url + "theme.css", timeout=30).text
    for text in (page, css):
        assert "fonts.googleapis.com" not in text and "fonts.gstatic.com" not in text
    assert "@font-face" in css and "static/fonts/" in css  # the theme's fonts come from the app itself
    assert server[1].analytics_enabled is False


_ANALYTICS_PROBE = "import gradio as gr, gradio.analytics as a; print(a.analytics_enabled(), gr.Blocks().analytics_enabled)"


@pytest.mark.parametrize(
    ("entry", "expected"),
    [
        ("", "True True"),  # the control: gradio alone, told to, would send analytics
        ("import assistant.web.app", "False False"),
        ("import runpy; runpy.run_path('app.py', run_name='app')", "False False"),  # app.py sets it itself
    ],
    ids=["gradio alone", "assistant.web.app", "app.py"],
)
def test_loading_the_app_turns_gradio_analytics_off_even_when_the_environment_turns_it_on(entry, expected):
    env = {**os.environ, "GRADIO_ANALYTICS_ENABLED": "True", "PYTHONPATH": str(REPO)}
    code = f"{entry}\n{_ANALYTICS_PROBE}"
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.strip().splitlines()[-1] == expected, done.stdout


_CONNECTS: list = []
_RECORDING: list = []
_HOOKED: list = []


def _record_connects(event: str, args: tuple) -> None:
    if _RECORDING and event == "socket.connect":
        _CONNECTS.append(args[1])


def test_no_outbound_connections_from_the_app(site):
    """Building, launching and using the app connects to nothing but 127.0.0.1 (no analytics,
    no version check, no fonts or CDN on the server side)."""
    from gradio_client import Client

    if not _HOOKED:
        sys.addaudithook(_record_connects)  # audit hooks cannot be removed: it records only while enabled
        _HOOKED.append(True)
    _CONNECTS.clear()
    _RECORDING.append(True)
    try:
        bot, settings, corpus = site
        demo = build_ui(bot, settings, corpus=corpus)
        _, url, _ = demo.launch(prevent_thread_lock=True, quiet=True, **launch_kwargs(settings.with_(port=free_port())))
        try:
            httpx.get(url, timeout=30)
            Client(url, verbose=False, download_files=False).predict("why cramps at night?", api_name="/ask")
        finally:
            demo.close()
    finally:
        _RECORDING.clear()
    remote = [a for a in _CONNECTS if isinstance(a, tuple) and a[0] not in ("127.0.0.1", "localhost", "::1")]
    assert _CONNECTS and remote == []


def test_login_is_required_when_auth_is_set(site):
    from gradio_client import Client

    bot, settings, corpus = site
    demo = build_ui(bot, settings, corpus=corpus)
    kwargs = launch_kwargs(settings.with_(port=free_port(), auth="ann:s3cret"))
    _, url, _ = demo.launch(prevent_thread_lock=True, quiet=True, **kwargs)
    try:
        assert httpx.get(url + "config", timeout=30).status_code in (401, 403)
        refused = httpx.post(url + "login", data={"username": "ann", "password": "wrong"}, timeout=30)
        assert (refused.status_code, refused.json()) == (400, {"detail": "Incorrect credentials."})
        # gradio_client raises this ValueError (or its AuthenticationError subclass) only for a refused login,
        # never for a connection error
        with pytest.raises(ValueError, match="Could not login"):
            Client(url, verbose=False, auth=("ann", "wrong"))
        assert httpx.get(url + "config", timeout=30).status_code in (401, 403)
        client = Client(url, verbose=False, auth=("ann", "s3cret"), download_files=False)
        assert "**Sources**" in client.predict("how to stop a nosebleed", api_name="/ask")
    finally:
        demo.close()


def test_auth_setting_is_checked():
    assert parse_auth("ann:pa:ss") == ("ann", "pa:ss")
    assert parse_auth(None) is None
    for bad in ("ann", ":pw", "ann:"):
        with pytest.raises(AssistantError, match="user:password"):
            parse_auth(bad)


# --- the chat handler -------------------------------------------------------------------------


def test_chat_streams_then_shows_sources_and_passages(app):
    app.typing_seconds = 0.05
    steps, final = final_message(app, "why cramps at night?")
    partial = [s[0] for s in steps[:-1]]
    assert len(partial) >= 3  # typed out in pieces
    assert all("**Sources**" not in p for p in partial)
    assert len(partial[1]) > len(partial[0])
    assert "**Sources**" in final and "[1]" in final
    assert "leg-cramps-at-night.txt" in final and "<mark>" in final
    assert f"?article={article_key(str(app.corpus), 'leg-cramps-at-night.txt')}" in final
    heading, rows = steps[-1][1], steps[-1][2]
    assert "why cramps at night?" in heading
    assert rows and rows[0][2] == "leg-cramps-at-night.txt"
    assert all(len(r) == 7 for r in rows)
    assert any(r[3] is not None and r[4] is not None for r in rows)  # dense and keyword scores


def test_follow_up_in_the_chat_cites_quick_relief(app):
    _, first = final_message(app, "why cramps at night?")
    history = [
        {"role": "user", "content": [{"type": "text", "text": "why cramps at night?"}]},
        {"role": "assistant", "content": [{"type": "text", "text": first}]},
    ]
    steps, final = final_message(app, "how can I make them stop quickly?", history)
    assert "The fastest ways to stop a leg cramp" in final
    assert "Searched as:" in steps[-1][1] and "cramps" in steps[-1][1]


def test_not_covered_names_the_closest_articles_when_they_are_close(app):
    _, final = final_message(app, "How do I treat head lice?")
    assert "do not cover" in final
    assert "**Closest articles**" in final and "**Sources**" not in final
    _, far = final_message(app, "how do I file my income tax return?")  # nothing is worth a click
    assert "do not cover" in far and "No article comes close" in far and "**Closest articles**" not in far


def test_urgent_question_starts_with_the_notice(app):
    app.typing_seconds = 0.01
    steps, final = final_message(app, "I have chest pain and cramps in my legs at night")
    assert steps[0][0].startswith("**⚠️")  # shown before anything else
    assert final.startswith("**⚠️") and final.count("medical emergency") == 1
    assert all(step[0].count("medical emergency") == 1 for step in steps)  # never twice while typing


def test_empty_message(app):
    steps, final = final_message(app, "   ")
    assert final == "Please type a question."


def test_xss_article_is_rendered_as_text(app, site):
    bot, _, corpus = site
    _, final = final_message(app, "first aid for small kitchen burns")
    assert "kitchen-burns.txt" in final
    for bad in ("<script", "<img", "](javascript:"):
        assert bad not in final
    assert "&lt;img src=x onerror=alert(1)&gt;" in final
    article = bot.article(corpus, "kitchen-burns.txt")
    page = article_html(article, passage=next(iter(bot.chunks(corpus, "kitchen-burns.txt"))).text)
    assert "<script" not in page and "<img" not in page and "&lt;script&gt;" in page


def test_questions_are_escaped_too(app):
    _, final = final_message(app, "<img src=x onerror=alert(1)> cramps at night?")
    heading = list(app.chat("<img src=x onerror=alert(1)> cramps at night?", []))[-1][1]
    assert "<img" not in final and "<img" not in heading


def test_typing_keeps_every_character():
    text = "A leg cramp is a sudden,  painful tightening [1]\n\n- item [2]"
    assert "".join(typed(text)) == text


def test_stream_seam_accepts_any_answer_source(site):
    """A language model's stream (pieces, then the Answer) slots in through `answer_stream`."""
    bot, settings, corpus = site
    real = bot.ask("why cramps at night?").answer()

    def fake_llm(question, history):
        def pieces():
            yield "Cold "
            yield "and tired muscles [1]"
            yield replace(real, text="Cold and tired muscles [1]")

        return Response(pieces)

    app = ChatApp(bot, settings, answer_stream=fake_llm, corpus=corpus)
    steps = [s[0] for s in app.chat("why cramps at night?", [])]
    assert steps[0].startswith("Cold") and "tired" in steps[1]
    assert steps[-1].startswith("Cold and tired muscles [1]") and "**Sources**" in steps[-1]


# --- the reader ---------------------------------------------------------------------------


def test_source_link_opens_the_whole_article_with_the_passage_marked(app):
    _, final = final_message(app, "why cramps at night?")
    href = final.split('href="', 1)[1].split('"', 1)[0].replace("&amp;", "&")
    page = app.reader.open_article(href)
    assert "Types of leg cramps" in page and "How to prevent night-time leg cramps" in page  # the whole article
    assert page.count('id="cited"') == 1
    assert "no longer in the store" in app.reader.open_article("?article=0000&p=1")


def test_article_link_in_the_page_address_opens_the_reader(app):
    """A source link opened in a new tab (`/?article=...&p=...`) loads the app with the article open."""

    class Request:
        query_params = {"article": article_key(str(app.corpus), "snoring.txt"), "p": "0"}

    page, sidebar = app.reader.on_load(Request())
    assert 'id="cited"' in page and "snor" in page.lower()
    assert sidebar.open is True

    class Plain:
        query_params: dict = {}

    assert app.reader.on_load(Plain()) == (gr.skip(), gr.skip())  # nothing to open: leave the page as it is


# --- articles tab: uploads, re-sync, delete ----------------------------------------------


def test_upload_then_ask_then_delete(app, site, tmp_path):
    bot, _, corpus = site
    good = tmp_path / "Chilblains (cold toes).md"
    good.write_text(NEW_ARTICLE)
    bad = tmp_path / "notes.exe"
    bad.write_bytes(b"MZ\x00\x01")
    summary, table, *_ = app.articles.upload([str(good), str(bad)], "", progress=NO_PROGRESS)
    assert "Chilblains-cold-toes.md" in summary and "added" in summary
    assert "notes.exe" in summary and "unsupported file type" in summary
    assert "1 added" in summary
    assert (corpus / "Chilblains-cold-toes.md").exists() and not (corpus / "notes.exe").exists()
    assert any(r[1] == "Chilblains-cold-toes.md" for r in table)
    _, final = final_message(app, "what are chilblains?")
    assert "Chilblains-cold-toes.md" in final

    again, *_ = app.articles.upload([str(good)], "", progress=NO_PROGRESS)
    assert "unchanged" in again and "Nothing new to ingest" in again

    row, question = app.articles.ask_delete("Chilblains-cold-toes.md")
    assert "cannot be undone" in question
    message, *_ = app.articles.delete("Chilblains-cold-toes.md", "")
    assert "removed from the store and the folder" in message
    assert not (corpus / "Chilblains-cold-toes.md").exists()
    assert all(a.source != "Chilblains-cold-toes.md" for a in bot.articles())
    refused, *_ = app.articles.delete("../store/manifest.sqlite3", "")
    assert "not inside the corpus folder" in refused


def test_over_the_shipped_sample_articles_the_app_neither_uploads_nor_deletes(site, tmp_path):
    from assistant.web.articles_tab import NO_CHOICE

    bot, settings, corpus = site
    samples = ChatApp(bot, settings, corpus=corpus, samples=True).articles
    new = tmp_path / "chilblains.md"
    new.write_text(NEW_ARTICLE)
    before = sorted(p.name for p in corpus.iterdir())
    uploaded, *_ = samples.upload([str(new)], "", progress=NO_PROGRESS)
    deleted, *_ = samples.delete("nosebleeds.txt", "")
    for message in (uploaded, deleted):
        assert "sample articles shipped with the package" in message and "--corpus DIR" in message
    assert sorted(p.name for p in corpus.iterdir()) == before
    assert "sample articles shipped with the package" in samples.corpus_line()
    assert samples.corpus_choices()[0][1] == NO_CHOICE  # the delete list opens on what to do, not on a blank


def test_oversize_upload_is_refused_with_the_limit(app, tmp_path):
    big = tmp_path / "big.txt"
    big.write_bytes(b"word " * 2_100_000)  # 10.5 MB
    summary, *_ = app.articles.upload([str(big)], "", progress=NO_PROGRESS)
    assert "limit is 10.0 MB" in summary and "Nothing new to ingest" in summary


def test_article_table_filters(app):
    rows = app.articles.article_table("nosebleed")
    assert [r[1] for r in rows] == ["nosebleeds.txt"]
    assert len(app.articles.article_table("")) >= 6


def test_resync_picks_up_files_changed_behind_the_apps_back(app, site):
    bot, _, corpus = site
    (corpus / "hiccups.txt").rename(corpus / "hiccups.bak")
    try:
        summary, table, *_ = app.articles.resync("", progress=NO_PROGRESS)
        assert "1 removed" in summary and "unsupported file type '.bak'" in summary
        assert all(r[1] != "hiccups.txt" for r in table)
    finally:
        (corpus / "hiccups.bak").rename(corpus / "hiccups.txt")
        app.articles.resync("", progress=NO_PROGRESS)


@pytest.mark.slow
def test_ingest_from_the_command_line_is_picked_up_by_the_running_app(app, site, tmp_path):
    bot, settings, corpus = site
    other = tmp_path / "other"
    other.mkdir()
    (other / "chilblains.md").write_text(NEW_ARTICLE)
    before, _ = final_message(app, "what are chilblains?")
    assert "chilblains.md" not in before[-1][0]
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    done = subprocess.run([sys.executable, str(REPO / "ingest.py"), str(other), "--store", str(settings.store)],
                          env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    _, after = final_message(app, "what are chilblains?")
    assert "chilblains.md" in after
    assert any(r[1] == "chilblains.md" for r in app.articles.article_table("chilblains"))
    bot.remove(other, "chilblains.md")


# --- feedback -------------------------------------------------------------------------------


def test_like_and_dislike_are_saved_with_question_answer_and_sources(app, site):
    bot, _, _ = site
    _, final = final_message(app, "why cramps at night?")
    history = [{"role": "user", "content": "why cramps at night?"}, {"role": "assistant", "content": final}]
    start = len(read_feedback(bot.store_dir))
    app.record_rating(history, 1, True)
    app.record_rating(history, 1, False)
    records = read_feedback(bot.store_dir)[start:]
    assert [r["rating"] for r in records] == ["like", "dislike"]
    assert records[0]["question"] == "why cramps at night?"
    assert "[1]" in records[0]["answer"] and "**Sources**" not in records[0]["answer"]
    assert records[0]["sources"][0]["source"] == "leg-cramps-at-night.txt"
    lines = (bot.store_dir / "feedback.jsonl").read_text().splitlines()
    assert all(json.loads(line) for line in lines)


def test_rating_an_answer_from_before_a_restart_keeps_what_was_shown(site, tmp_path):
    bot, settings, corpus = site
    app = ChatApp(bot, settings, corpus=corpus)  # a fresh app has no memory of earlier answers
    shown = "Stretch the calf [1]\n\n**Sources**\n\n**[1]** Leg cramps · `leg-cramps-at-night.txt` · relevance 0.70"
    record = app.record_rating([{"role": "user", "content": "q?"}, {"role": "assistant", "content": shown}], 1, False)
    assert record["question"] == "q?" and record["answer"] == "Stretch the calf [1]"
    assert record["sources"] and "leg-cramps-at-night.txt" in record["sources"][0]


def test_feedback_file_survives_a_damaged_line(tmp_path):
    record_feedback(tmp_path, liked=True, question="q", answer="a", sources=[{"n": 1}])
    with open(tmp_path / "feedback.jsonl", "a") as f:
        f.write('{"truncated": \n')
    record_feedback(tmp_path, liked=False, question="q2", answer="a2")
    assert [r["question"] for r in read_feedback(tmp_path)] == ["q", "q2"]


# --- rendering ------------------------------------------------------------------------------


def test_duplicate_sources_are_merged_and_markers_renumbered(site):
    from assistant.types import Answer, Citation

    bot, _, _ = site
    cite = dict(source="a.txt", title="A", section="S", root="/r")
    answer = Answer(
        question="q", text="One thing here. [1] Other thing there. [2] Third thing too. [3]",
        citations=[Citation(1, snippet="One thing here.", position=0, **cite),
                   Citation(2, source="b.txt", title="B", section="T", snippet="Other thing there.", root="/r"),
                   Citation(3, snippet="Third thing too.", position=1, **cite)],
        covered=True,
    )
    rendered = render_answer(answer)
    assert [s.n for s in rendered.sources] == [1, 2]
    assert rendered.text == "One thing here. [1] Other thing there. [2] Third thing too. [1]"
    assert rendered.markdown.count("**[1]**") == 1


def test_escape_text_defuses_html_and_markdown_links():
    out = escape_text('<b onclick="x">hi</b> [a](javascript:alert(1)) ![i](http://x/y.png)')
    assert "<b" not in out and "](" not in out and "![" not in out


def test_history_given_to_the_assistant_is_what_was_said():
    from assistant.web.app import escape_user_text, plain_history

    shown = escape_user_text("is <b>this</b> ok?")
    assert escape_user_text(shown) == shown  # a retried message is not escaped twice
    history = plain_history([
        {"role": "user", "content": shown},
        {"role": "assistant", "content": [{"type": "text", "text": "Stretch it [1]\n\n**Sources**\n\n**[1]** A"}]},
    ])
    assert history == [{"role": "user", "content": "is <b>this</b> ok?"}, {"role": "assistant", "content": "Stretch it [1]"}]


def test_an_offered_article_is_one_click_from_its_answer(app):
    """Under a refused answer each offered article carries a "Did you mean this article?" link; following
    it answers the same question from that article, as a new turn of the chat."""
    from types import SimpleNamespace

    question = "How do I treat head lice?"
    _, refused = final_message(app, question)
    links = re.findall(r'href="(\?ask=[0-9a-f]+)"', refused)
    assert "do not cover" in refused and links, refused
    history = [{"role": "user", "content": question}, {"role": "assistant", "content": refused}]
    after = app.ask_from(history, SimpleNamespace(href=links[0]))
    assert after[:2] == history and len(after) == 4
    assert after[2]["role"] == "user" and "from the article" in after[2]["content"]
    answer = after[3]["content"]
    assert "**Sources**" in answer and "do not cover" not in answer and "[1]" in answer
    gone = app.ask_from(history, SimpleNamespace(href="?ask=0000000000000000"))  # an article deleted since
    assert not isinstance(gone, list)
