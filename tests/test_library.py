"""The parts behind `Assistant`: `Library` (the store's life cycle) and `Asker` (questions) work on their
own, and the façade keeps the public API (the contract the README, app, MCP tools and CLI rely on)."""

from __future__ import annotations

import inspect
from pathlib import Path

import pytest

from assistant import Assistant, QuestionError, Settings
from assistant.answering.asking import Asker
from assistant.errors import ModelMismatchError
from assistant.library import Library, open_store


def _library(store: Path, embedder) -> Library:
    settings = Settings.from_env(store=store)
    opened = open_store(settings, embedder=embedder, vector_store=None, rebuild=False,
                        load_embedder=lambda s: pytest.fail("an embedder was given: none is loaded"))
    library = Library(settings, opened.embedder, opened.vectors, opened.manifest)
    library.owns_vectors = True
    return library


def _write(folder: Path, name: str, title: str, body: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(f"# {title}\n\n{body}\n", encoding="utf-8")


def test_a_library_picks_up_another_librarys_ingest_on_refresh(tmp_path, fake_embedder):
    corpus = tmp_path / "corpus"
    _write(corpus, "gout.md", "Gout", "Gout is a painful swelling of a joint caused by uric acid crystals.")
    writer, reader = _library(tmp_path / "store", fake_embedder), _library(tmp_path / "store", fake_embedder)
    try:
        writer.ingest([corpus])
        assert writer.keyword().search("uric", 5)  # the writer installs its new index at once
        assert not reader.keyword().search("uric", 5)  # the reader keeps its view until it refreshes
        reader.refresh()
        assert reader.keyword().generation == writer.keyword().generation
        assert [c.source for c in reader.manifest.chunks_by_id([i for i, _ in reader.keyword().search("uric", 5)]).values()] == ["gout.md"]
    finally:
        writer.close()
        reader.close()


def test_a_library_refuses_a_store_of_another_model(tmp_path, fake_embedder):
    _write(tmp_path / "corpus", "a.md", "Cramps", "Night cramps are sudden tight muscles in the calf.")
    _library(tmp_path / "store", fake_embedder).ingest([tmp_path / "corpus"])
    with pytest.raises(ModelMismatchError, match="fake-embedder"):
        _library(tmp_path / "store", type(fake_embedder)(name="other-model"))


def test_an_asker_answers_from_a_library_without_the_facade(tmp_path, fake_embedder):
    corpus = tmp_path / "corpus"
    _write(corpus, "nosebleed.md", "Nosebleeds", "To stop a nosebleed, pinch the soft part of the nose for ten minutes.")
    _write(corpus, "gout.md", "Gout", "Gout is a painful swelling of a joint caused by uric acid crystals.")
    library = _library(tmp_path / "store", fake_embedder)
    try:
        library.ingest([corpus])
        asker = Asker(library, grounded=None)
        hits = asker.search("pinch the soft part of the nose", k=2)
        assert hits[0].source == "nosebleed.md"
        with pytest.raises(QuestionError):
            asker.ask("   ")
    finally:
        library.close()


def test_the_facade_keeps_the_public_api(tmp_path, fake_embedder):
    """Every method and attribute that the README, app, MCP tools, LangChain retriever, CLI, eval and
    benchmarks use is still on Assistant."""
    with Assistant.open(tmp_path / "store", embedder=fake_embedder) as bot:
        for name in ("open", "ingest", "check", "remove", "search", "ask", "ask_stream", "evidence", "as_retriever",
                     "articles", "article", "chunks", "close"):
            assert callable(getattr(bot, name)), name
        for name in ("settings", "embedder", "vectors", "manifest", "chunker", "retriever", "answerer", "stats",
                     "store_dir", "max_file_bytes"):
            assert getattr(bot, name) is not None, name
        assert bot.grounded is None and bot.llm is None and bot.read_only is False
        assert bot.store_dir == (tmp_path / "store")
        # streaming stays lazy: nothing runs (nor raises) until the first piece is asked for
        assert inspect.isgeneratorfunction(Assistant.ask_stream)
        stream = bot.ask_stream("   ")
        with pytest.raises(QuestionError):
            next(stream)
