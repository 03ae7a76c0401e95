"""Odd entries in an ingested folder and odd names (issue 25): a link loop or a self-link, a FIFO named like
an article, a name holding a backslash, a newline or a tab, and a .docx without document properties."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import threading
from pathlib import Path

import pytest

from assistant import Assistant, Settings

from .helpers_app import free_port, start_app, stop
from .helpers_data import CORPUS, REPO
from .helpers_embedder import FakeEmbedder
from .helpers_proc import DRIVER
from .helpers_store import write_articles


def _bot(tmp_path: Path) -> Assistant:
    return Assistant.open(settings=Settings(store=tmp_path / "store"), embedder=FakeEmbedder())


def _looping_folder(folder: Path) -> Path:
    """Two articles, a -> b -> a, and a link to itself."""
    write_articles(folder, [1, 2])
    os.symlink("b.txt", folder / "a.txt")
    os.symlink("a.txt", folder / "b.txt")
    os.symlink("self.txt", folder / "self.txt")
    return folder


def _driver(*args: str) -> subprocess.CompletedProcess:
    """The real ingest command line (fake embedder: the model is not the point)."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run([*DRIVER, "--", *args], cwd=REPO, capture_output=True, text=True, timeout=300, env=env)


def test_a_link_loop_and_a_self_link_are_each_one_skip_and_the_rest_is_ingested(tmp_path):
    folder = _looping_folder(tmp_path / "articles")
    bot = _bot(tmp_path)
    try:
        reasons = dict(bot.ingest([folder]).skipped)
        loops = {n: reasons.get(str(folder / n), "") for n in ("a.txt", "b.txt", "self.txt")}
        assert all(reason.startswith("link loop") for reason in loops.values()), loops
        assert len(reasons) == 3, reasons
        assert {a.source for a in bot.articles()} == {"article-001.md", "article-002.html"}
    finally:
        bot.close()


def test_ingest_py_skips_a_link_loop_with_its_reason(tmp_path):
    folder = _looping_folder(tmp_path / "articles")
    out = _driver(str(folder), "--store", str(tmp_path / "store"))
    assert out.returncode == 0 and "Traceback" not in out.stderr, out.stderr[-2000:]
    assert "2 added" in out.stdout
    assert len(re.findall(r"(a|b|self)\.txt: link loop", out.stdout)) == 3, out.stdout


@pytest.mark.slow
def test_the_app_starts_on_a_corpus_holding_a_link_loop(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(CORPUS / "hiccups.txt", corpus / "hiccups.txt")
    os.symlink("loop-b.txt", corpus / "loop-a.txt")
    os.symlink("loop-a.txt", corpus / "loop-b.txt")
    proc, output = start_app(corpus, tmp_path / "store", free_port())
    try:
        text = "".join(output)
        assert "added 1," in text and "loop-a.txt: link loop" in text, text
    finally:
        stop(proc)


def test_a_fifo_named_like_an_article_is_listed_as_skipped_and_never_opened(tmp_path):
    folder = tmp_path / "articles"
    write_articles(folder, [1])
    os.mkfifo(folder / "x.txt")
    bot = _bot(tmp_path)
    result: dict = {}
    worker = threading.Thread(target=lambda: result.update(report=bot.ingest([folder])), daemon=True)
    worker.start()
    worker.join(timeout=120)  # opening the FIFO for reading would wait for a writer for ever
    try:
        if worker.is_alive():  # unblock the ingest (a writer opens the FIFO), then fail
            with open(folder / "x.txt", "w"):
                pass
            worker.join(timeout=60)
            pytest.fail("the ingest blocked on the FIFO")
        skipped = dict(result["report"].skipped)
        assert list(skipped) == [str(folder / "x.txt")] and "not a regular file" in skipped[str(folder / "x.txt")]
        assert [a.source for a in bot.articles()] == ["article-001.md"]
    finally:
        bot.close()
