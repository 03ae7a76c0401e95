"""A store rebuilt, wiped or deleted under an open Assistant by another process (issue 25): the Assistant notices
that its manifest file was replaced or is gone (by the file's identity), and opens the new store, or says in
one line that the store was rebuilt or removed — never answers from the old files it still holds open; and
an ingest (the app's Re-sync) in that state makes the store again instead of reporting it "unchanged".

The other process is the real ingest command line (tests/helpers_crash.py: the fake embedder, so a rebuild
takes seconds); the app end to end is the real `python app.py` with the real model."""

from __future__ import annotations

import os
import re
import shutil
import subprocess

import pytest

from assistant import Assistant, Settings
from assistant.errors import StoreError
from assistant.web.articles_tab import ArticlesTab

from .helpers_app import free_port, start_app, stop
from .helpers_data import CORPUS, REPO
from .helpers_embedder import FakeEmbedder
from .helpers_proc import DRIVER
from .helpers_store import assert_consistent, write_articles


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONUNBUFFERED": "1", "PYTHONPATH": str(REPO)}


def _ingest(*args: str) -> subprocess.CompletedProcess:
    """`python ingest.py ARGS` in another process (fake embedder)."""
    out = subprocess.run([*DRIVER, "--", *args], cwd=REPO, capture_output=True, text=True, timeout=300, env=_env())
    assert out.returncode == 0, out.stderr[-2000:]
    return out


@pytest.fixture
def opened(tmp_path):
    """An Assistant open on a store of articles 1 and 2, as a running app holds it; (bot, folder, store)."""
    folder, store = tmp_path / "articles", tmp_path / "store"
    write_articles(folder, [1, 2])
    bot = Assistant.open(settings=Settings(store=store), embedder=FakeEmbedder())
    bot.ingest([folder])
    assert [h.source for h in bot.search("zorblat2", k=1)] == ["article-002.html"]
    yield bot, folder, store
    bot.close()


def _sources(bot: Assistant, query: str) -> set[str]:
    return {h.source for h in bot.search(query, k=5)}


def test_a_store_rebuilt_by_another_process_is_opened_again_on_the_next_question(opened, tmp_path):
    bot, _, store = opened
    other = tmp_path / "other"
    write_articles(other, [1, 3])  # article 3 is new, article 2 is gone
    _ingest(str(other), "--store", str(store), "--rebuild")
    assert "article-003.txt" in _sources(bot, "zorblat3 helps")
    assert "article-002.html" not in _sources(bot, "zorblat2 helps")
    assert {a.source for a in bot.articles()} == {"article-001.md", "article-003.txt"}
    answer = bot.ask("zorblat3 helps")
    assert answer.covered and answer.citations[0].source == "article-003.txt"


def test_a_store_wiped_and_made_again_by_another_process_is_opened_again(opened, tmp_path):
    bot, _, store = opened
    shutil.rmtree(store)
    other = tmp_path / "other"
    write_articles(other, [4])
    _ingest(str(other), "--store", str(store))
    assert [a.source for a in bot.articles()] == ["article-004.md"]
    assert _sources(bot, "zorblat4 helps") == {"article-004.md"}


def test_a_removed_store_is_said_to_be_removed_and_an_ingest_makes_it_again(opened):
    bot, folder, store = opened
    shutil.rmtree(store)
    for call in (lambda: bot.search("zorblat1"), lambda: bot.ask("zorblat1 helps"), bot.articles):
        with pytest.raises(StoreError, match=r"^the store .* was removed by another process: re-sync .*restart"):
            call()
    report = bot.ingest([folder])
    assert (report.added, report.unchanged) == (2, 0)
    assert (store / "manifest.sqlite3").is_file()
    assert _sources(bot, "zorblat1 helps") >= {"article-001.md"}
    again = Assistant.open(settings=Settings(store=store), embedder=FakeEmbedder())
    try:
        assert_consistent(again, [folder])
    finally:
        again.close()


def test_the_apps_resync_makes_a_removed_store_again(opened):
    bot, folder, store = opened
    shutil.rmtree(store)
    tab = ArticlesTab(bot, bot.settings, folder.resolve())
    summary, rows, *_ = tab.resync("", progress=lambda *args, **kwargs: None)
    assert "2 added" in summary and "0 unchanged" in summary, summary
    assert len(rows) == 2 and (store / "manifest.sqlite3").is_file()


def test_a_question_during_another_process_rebuild_is_told_to_wait_not_answered_from_the_old_store(opened, tmp_path):
    bot, _, store = opened
    other, go = tmp_path / "other", tmp_path / "go"
    write_articles(other, [1, 3])
    rebuild = subprocess.Popen(
        [*DRIVER, "--hold-until", str(go), "--", str(other), "--store", str(store), "--rebuild", "-v"],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=_env(),
    )  # fmt: skip
    try:
        lines = []
        for line in rebuild.stdout:  # the rebuild has emptied the store and waits inside its embedding step
            lines.append(line)
            if re.search(r"embedding \d+ chunks", line):
                break
        else:
            pytest.fail("the rebuild never reached its embedding step:\n" + "".join(lines[-20:]))
        with pytest.raises(StoreError, match=r"was rebuilt by another process, whose ingest is still running"):
            bot.search("zorblat2 helps")
        go.touch()
        assert rebuild.wait(timeout=300) == 0
    finally:
        if rebuild.poll() is None:
            rebuild.kill()
    assert "article-003.txt" in _sources(bot, "zorblat3 helps")


def _ask(url: str, question: str) -> str:
    from gradio_client import Client

    try:
        return str(Client(url, verbose=False).predict(question, api_name="/ask"))
    except Exception as exc:  # noqa: BLE001 - the app's one-line error, as the client raises it
        return f"error: {exc}"


@pytest.mark.slow
def test_the_running_app_cites_an_article_of_a_store_rebuilt_under_it_and_says_when_it_was_removed(tmp_path):
    corpus, other, store = tmp_path / "corpus", tmp_path / "other", tmp_path / "store"
    for folder, names in ((corpus, ["hiccups.txt"]), (other, ["hiccups.txt", "nosebleeds.txt"])):
        folder.mkdir()
        for name in names:
            shutil.copy(CORPUS / name, folder / name)
    proc, output = start_app(corpus, store, free_port())
    try:
        url = next(line for line in output if line.startswith("Ready in")).split("open ", 1)[1].split()[0]
        assert "nosebleeds.txt" not in _ask(url, "how do I stop a nosebleed?")
        env = {k: v for k, v in _env().items() if not k.startswith("ASSISTANT_")}
        rebuilt = subprocess.run(
            [os.sys.executable, str(REPO / "ingest.py"), str(other), "--store", str(store), "--rebuild"],
            cwd=REPO, capture_output=True, text=True, timeout=600, env=env,
        )  # fmt: skip
        assert rebuilt.returncode == 0, rebuilt.stderr[-2000:]
        assert "nosebleeds.txt" in _ask(url, "how do I stop a nosebleed?")
        shutil.rmtree(store)
        said = _ask(url, "how do I stop a nosebleed?")
        assert "was removed by another process" in said and "nosebleeds.txt" not in said, said
    finally:
        stop(proc)
