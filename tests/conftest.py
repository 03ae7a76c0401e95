"""Shared fixtures: the real packaged model loaded once per session, real Chroma stores in temp folders."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
from pathlib import Path

import numpy as np
import pytest

from assistant import Assistant, Settings
from assistant.embedding.embedder import load_embedder

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO / "corpus"
SHARED_DATA = REPO.parent / "shared" / "data"


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch):
    """No ASSISTANT_* setting from the developer's shell leaks into a test."""
    for name in list(os.environ):
        if name.startswith("ASSISTANT_") or name in ("OPENAI_BASE_URL", "OPENAI_API_KEY"):
            monkeypatch.delenv(name, raising=False)


class FakeEmbedder:
    """Deterministic bag-of-words hashing embedder for fast unit tests (not our model)."""

    backend = "fake"

    def __init__(self, name: str = "fake-embedder", dim: int = 64, max_tokens: int = 256):
        self.name, self.dim, self.max_tokens = name, dim, max_tokens

    def count_tokens(self, texts: list[str]) -> list[int]:
        return [len(re.findall(r"\w+|[^\w\s]", t)) for t in texts]

    def _vec(self, text: str) -> np.ndarray:
        v = np.zeros(self.dim, dtype=np.float32)
        for word in re.findall(r"\w+", text.lower()):
            h = int(hashlib.md5(word[:5].encode()).hexdigest(), 16)
            v[h % self.dim] += 1.0 if (h >> 8) % 2 else -1.0
        n = np.linalg.norm(v)
        return v / n if n else v + 1.0 / np.sqrt(self.dim)

    def embed_documents(self, texts: list[str]) -> np.ndarray:
        return np.stack([self._vec(t) for t in texts]) if texts else np.zeros((0, self.dim), np.float32)

    def embed_query(self, text: str) -> np.ndarray:
        return self._vec(text)


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
