"""The Chroma-server path (ASSISTANT_CHROMA_HOST/PORT) against a real `chroma run` on 127.0.0.1."""

import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from assistant import Assistant, Settings

from .helpers_app import free_port
from .helpers_data import CORPUS


@pytest.fixture(scope="module")
def chroma_server(tmp_path_factory):
    chroma = Path(sys.executable).parent / "chroma"
    assert chroma.exists(), f"the chroma command ships with chromadb; not found at {chroma}"
    port = free_port()
    data = tmp_path_factory.mktemp("chroma-server")
    proc = subprocess.Popen(
        [str(chroma), "run", "--path", str(data), "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            assert proc.poll() is None, "chroma run exited early"
            time.sleep(0.3)
    else:
        proc.kill()
        pytest.fail("chroma run did not start listening within 60 s")
    yield port
    proc.terminate()
    proc.wait(timeout=30)


def test_ingest_search_and_ask_through_a_chroma_server(chroma_server, tmp_path, embedder, monkeypatch):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name in ("leg-cramps-at-night.txt", "sunburn.txt", "nosebleeds.txt"):
        shutil.copy(CORPUS / name, corpus / name)
    monkeypatch.setenv("ASSISTANT_CHROMA_HOST", "127.0.0.1")
    monkeypatch.setenv("ASSISTANT_CHROMA_PORT", str(chroma_server))
    settings = Settings.from_env(store=tmp_path / "store")
    assert settings.chroma_host == "127.0.0.1"
    bot = Assistant.open(settings=settings, embedder=embedder)
    assert bot.vectors.where == f"http://127.0.0.1:{chroma_server}"
    report = bot.ingest([corpus])
    assert report.added == 3
    assert not (tmp_path / "store" / "chroma").exists()  # vectors live on the server
    assert bot.vectors.count() == len(bot.manifest.all_chunk_ids())
    answer = bot.ask("why cramps at night?")
    assert answer.covered and answer.citations[0].source == "leg-cramps-at-night.txt"
    # deletes reach the server too
    (corpus / "sunburn.txt").unlink()
    assert bot.ingest([corpus]).removed == 1
    assert bot.vectors.ids() == set(bot.manifest.all_chunk_ids())


def test_check_through_a_chroma_server_re_adds_lost_vectors(chroma_server, tmp_path, monkeypatch):
    """`Assistant.check` works through Chroma's API: vectors deleted on the server behind the manifest's
    back are found and re-added, and a second check finds the store consistent."""
    from .helpers_embedder import FakeEmbedder
    from .helpers_store import write_articles

    folder = tmp_path / "articles"
    write_articles(folder, range(12))
    monkeypatch.setenv("ASSISTANT_CHROMA_HOST", "127.0.0.1")
    monkeypatch.setenv("ASSISTANT_CHROMA_PORT", str(chroma_server))
    settings = Settings.from_env(store=tmp_path / "store", collection="check_test")
    bot = Assistant.open(settings=settings, embedder=FakeEmbedder())
    try:
        bot.ingest([folder])
        bot.vectors.delete(sorted(bot.vectors.ids())[:4])
        report = bot.check(repair=True)
        assert report.ok and report.missing == 4 and any("re-added 4" in r for r in report.repaired), str(report)
        again = bot.check(repair=False)
        assert again.ok and again.missing == again.unreachable == again.orphans == 0, str(again)
    finally:
        bot.close()
