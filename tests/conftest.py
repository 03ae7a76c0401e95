"""Shared fixtures: the real packaged model loaded once per session, real Chroma stores in temp folders.

Helpers and constants live in tests/helpers_*.py (import them from there, not from this file)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from assistant import Assistant, Settings
from assistant.embedding.embedder import load_embedder

from .helpers_data import CORPUS
from .helpers_embedder import FakeEmbedder


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch):
    """No ASSISTANT_* setting from the developer's shell leaks into a test."""
    for name in list(os.environ):
        if name.startswith("ASSISTANT_") or name in ("OPENAI_BASE_URL", "OPENAI_API_KEY"):
            monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="session")
def embedder():
    """The real packaged model (all-MiniLM-L6-v2), loaded once for the whole session."""
    return load_embedder(Settings.from_env())


@pytest.fixture
def fake_embedder():
    return FakeEmbedder()


@pytest.fixture
def corpus_copy(tmp_path) -> Path:
    """A writable copy of the shipped corpus."""
    dst = tmp_path / "corpus"
    shutil.copytree(CORPUS, dst)
    return dst


@pytest.fixture
def make_bot(tmp_path, embedder):
    """Factory: an Assistant over a fresh store in tmp_path (real model unless one is passed)."""
    opened: list[Assistant] = []

    def make(store: Path | None = None, emb=None, **settings) -> Assistant:
        s = Settings.from_env(store=store or tmp_path / "store", **settings)
        bot = Assistant.open(settings=s, embedder=emb or embedder)
        opened.append(bot)
        return bot

    yield make
    for bot in opened:
        bot.close()


@pytest.fixture(scope="session")
def shipped_bot(tmp_path_factory, embedder) -> Assistant:
    """One store with the shipped corpus ingested, shared read-only by many tests."""
    root = tmp_path_factory.mktemp("shipped")
    corpus = root / "corpus"
    shutil.copytree(CORPUS, corpus)
    bot = Assistant.open(settings=Settings.from_env(store=root / "store"), embedder=embedder)
    bot.ingest([corpus])
    bot.corpus_dir = corpus  # type: ignore[attr-defined]
    yield bot
    bot.close()
