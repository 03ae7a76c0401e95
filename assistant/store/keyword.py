"""The keyword index: BM25 (bm25s) over chunk texts, stemmed, English stop words removed.

Rebuilt from the manifest after every ingest that changed something and saved atomically with
the manifest generation it reflects; a stale or damaged copy on disk is simply rebuilt.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path

import bm25s
import numpy as np
import Stemmer
from bm25s.stopwords import STOPWORDS_EN

log = logging.getLogger(__name__)
logging.getLogger("bm25s").setLevel(logging.WARNING)  # it logs every index build at DEBUG to stderr

_stemmer = Stemmer.Stemmer("english")
STOP_WORDS = frozenset(STOPWORDS_EN)
"""The English stop words that `tokenize` drops (bm25s's "en" list)."""


def tokenize(texts: Sequence[str]) -> list[list[str]]:
    """Lower-cased, stemmed words of each text, without STOP_WORDS (as BM25 indexes them)."""
    return bm25s.tokenize(list(texts), stopwords="en", stemmer=_stemmer, return_ids=False, show_progress=False)


def top_n(scores: np.ndarray, n: int) -> list[int]:
    """Indices of the (at most) n highest scores above zero, best first: the top-n of a BM25 list."""
    n = min(n, len(scores))
    if n <= 0:
        return []
    top = np.argpartition(-scores, n - 1)[:n]
    top = top[np.argsort(-scores[top], kind="stable")]
    return [int(i) for i in top if scores[i] > 0]


def index_text(title: str, section: str, text: str) -> str:
    """What BM25 sees for a chunk: the title and section count as part of its text."""
    return f"{title}\n{section}\n{text}"


class KeywordIndex:
    def __init__(self, ids: list[str], bm25: bm25s.BM25 | None, generation: int):
        self.ids = ids
        self.bm25 = bm25
        self.generation = generation

    @classmethod
    def build(cls, ids: list[str], texts: Sequence[str], generation: int) -> KeywordIndex:
        if not ids:
            return cls([], None, generation)
        bm25 = bm25s.BM25()
        bm25.index(tokenize(texts), show_progress=False)
        return cls(list(ids), bm25, generation)

    def search(self, query: str, n: int) -> list[tuple[str, float]]:
        if self.bm25 is None or n <= 0:
            return []
        tokens = tokenize([query])[0]
        if not tokens:
            return []
        scores = self.bm25.get_scores(tokens)
        return [(self.ids[i], float(scores[i])) for i in top_n(scores, n)]

    def document_frequencies(self) -> tuple[dict[str, int], int]:
        """({token: how many chunks hold it}, how many chunks): how informative a word is in this store."""
        if self.bm25 is None:
            return {}, 0
        indptr = self.bm25.scores["indptr"]
        n_docs = int(self.bm25.scores["num_docs"])
        return {tok: int(indptr[i + 1] - indptr[i]) for tok, i in self.bm25.vocab_dict.items() if tok}, n_docs

    def __len__(self) -> int:
        return len(self.ids)

    def disk_bytes(self) -> int:
        """About what `save` writes: the score matrix, the vocabulary and the ids."""
        arrays = sum(v.nbytes for v in self.bm25.scores.values() if hasattr(v, "nbytes")) if self.bm25 else 0
        vocab = sum(len(w) + 12 for w in self.bm25.vocab_dict) if self.bm25 else 0
        return arrays + vocab + sum(len(i) + 4 for i in self.ids) + 4096

    # persistence: <dir>/ (bm25s files + ids.json + generation.json), replaced atomically
    def save(self, directory: Path) -> None:
        """Write to a temp folder, then swap it in (callers hold the store's ingest lock)."""
        directory.parent.mkdir(parents=True, exist_ok=True)
        for leftover in directory.parent.glob(".keyword-*"):  # from a save that was killed
            shutil.rmtree(leftover, ignore_errors=True)
        log.info("saving keyword index: %d chunks, generation %d", len(self.ids), self.generation)
        tmp = Path(tempfile.mkdtemp(prefix=".keyword-", dir=directory.parent))
        try:
            if self.bm25 is not None:
                self.bm25.save(str(tmp), show_progress=False)
            (tmp / "ids.json").write_text(json.dumps(self.ids))
            (tmp / "generation.json").write_text(json.dumps({"generation": self.generation}))
            old = directory.with_name(directory.name + ".old")
            shutil.rmtree(old, ignore_errors=True)
            log.info("swapping in the new keyword index at %s", directory)
            if directory.exists():
                os.replace(directory, old)
            os.replace(tmp, directory)
            shutil.rmtree(old, ignore_errors=True)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)

    @classmethod
    def load(cls, directory: Path) -> KeywordIndex | None:
        """The saved index, or None if missing or unreadable (the caller rebuilds it)."""
        try:
            generation = json.loads((directory / "generation.json").read_text())["generation"]
            ids = json.loads((directory / "ids.json").read_text())
            bm25 = bm25s.BM25.load(str(directory), show_progress=False) if ids else None
        except (OSError, ValueError, KeyError) as exc:
            log.info("keyword index at %s not usable (%s): rebuilding", directory, exc)
            return None
        return cls(ids, bm25, int(generation))
