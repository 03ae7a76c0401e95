"""Odd entries in an ingested folder and odd names (issue 25): a link loop or a self-link, a FIFO named like
an article, a name holding a backslash, a newline or a tab, and a .docx without document properties."""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import subprocess
import threading
import zipfile
from pathlib import Path

import docx
import pytest

from assistant import Assistant, Settings
from assistant.errors import SettingsError
from assistant.ingest.articles import parse_article
from assistant.web.mcp_tools import ArticleTools

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


def test_get_article_opens_a_name_holding_a_backslash_by_the_source_search_returned(tmp_path):
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "knee\\pain.txt").write_text(
        "Knee pain\n\nKnee pain after running often comes from the tendon below the kneecap.\n"
    )
    (folder / "knee").mkdir()  # so that "knee/pain.txt", the name read as a Windows path, is another article
    (folder / "knee" / "pain.txt").write_text("Hip pain\n\nHip pain at night can come from bursitis.\n")
    bot = _bot(tmp_path)
    try:
        bot.ingest([folder])
        tools = ArticleTools(bot, folder.resolve())
        found = json.loads(tools.search_articles("knee pain after running tendon", k=1))
        assert found[0]["source"] == "knee\\pain.txt"
        article = tools.get_article(found[0]["source"])
        assert article.startswith("# Knee pain") and "tendon below the kneecap" in article
        assert tools.get_article("knee/pain.txt").startswith("# Hip pain")
    finally:
        bot.close()


def test_list_prints_newlines_and_tabs_in_names_escaped(tmp_path):
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "two\nlines.txt").write_text("Night\tcramps\n\nCramps wake many people at night.\n")
    (folder / "tab\there.txt").write_text("Snoring\n\nSnoring is loud breathing in sleep.\n")
    store = tmp_path / "store"
    ingested = _driver(str(folder), "--store", str(store))
    assert ingested.returncode == 0, ingested.stderr[-2000:]
    listed = _driver("--list", "--store", str(store))
    assert listed.returncode == 0, listed.stderr[-2000:]
    lines = listed.stdout.splitlines()
    assert len(lines) == 3 and all(line.count("\t") == 5 for line in lines[:2]), lines
    assert lines[0].split("\t")[0] == "tab\\there.txt"
    assert lines[1].split("\t")[0] == "two\\nlines.txt"


def _without_properties(data: bytes) -> bytes:
    """The .docx without its document properties part (docProps/core.xml and the relationship to it)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for name in src.namelist():
            if name == "docProps/core.xml":
                continue
            part = src.read(name)
            if name == "_rels/.rels":
                part = re.sub(rb"<Relationship [^>]*core-properties[^>]*/>", b"", part)
            dst.writestr(name, part)
    return out.getvalue()


def _docx(*headings: str) -> bytes:
    d = docx.Document()
    d.add_paragraph("Cramps wake many people at night, most often in the calf.")
    for heading in headings:
        d.add_heading(heading, level=1)
        d.add_paragraph("Stretching the calf before bed helps.")
    buf = io.BytesIO()
    d.save(buf)
    return _without_properties(buf.getvalue())


def test_a_docx_without_document_properties_is_titled_by_its_first_heading_or_its_file_name():
    assert parse_article(_docx("Cramps at night", "What helps"), "x.docx").title == "Cramps at night"
    assert parse_article(_docx(), "night-cramps.docx").title == "Night cramps"


@pytest.mark.parametrize("value", ["nan", "-5", "7", "inf"])
def test_a_min_score_outside_the_cosine_range_is_refused_naming_the_variable(value, monkeypatch):
    monkeypatch.setenv("ASSISTANT_MIN_SCORE", value)
    with pytest.raises(SettingsError, match=r"ASSISTANT_MIN_SCORE.*(not a number|not a cosine similarity \(-1 to 1\))"):
        Settings.from_env()
    monkeypatch.setenv("ASSISTANT_MIN_SCORE", "-0.2")  # a cosine may be negative
    assert Settings.from_env().min_score == -0.2
