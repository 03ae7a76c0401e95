"""A fake embedder for fast tests that do not need the real model (not a test module)."""

from __future__ import annotations

import hashlib
import re

import numpy as np


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
