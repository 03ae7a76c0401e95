"""The heading index: BM25 over the distinct (article, section) headings ("title\nsection") of the
manifest's chunks, built in memory per store generation. A heading that matches a question scores every
chunk under it; a question that *is* a heading ("What causes gout?") finds its sections exactly."""

from __future__ import annotations

import math

import bm25s

from ..text import title_key
from .keyword import KeywordIndex, tokenize, top_n
from .manifest import Manifest

EXACT_MIN_WORDS = 3
"""Headings shorter than this ("Causes", "Outlook") are too generic to count as the question."""


class HeadingIndex:
    """BM25 over the distinct (article, section) headings; a match scores every chunk of it."""

    def __init__(
        self,
        groups: list[list[str]],
        bm25,
        generation: int,
        exact: dict[str, list[int]] | None = None,
        terms: list[frozenset[str]] | None = None,
        df: dict[str, int] | None = None,
        n_docs: int = 0,
    ):
        self.groups = groups
        self.bm25 = bm25
        self.generation = generation
        self.exact = exact or {}
        """Normalised section heading -> the groups that carry it (for questions that are a heading)."""
        self.terms = terms or []
        """The tokens of each group's title and heading."""
        self.df = df or {}
        """Chunks of the store that hold each token (from the keyword index): how informative a word is."""
        self.n_docs = n_docs

    def idf(self, token: str) -> float:
        """A word the store never uses is as informative as the rarest."""
        return math.log((self.n_docs + 1) / (self.df.get(token, 0) + 1)) + 1.0

    def coverage(self, tokens: list[str], group: int) -> float:
        """The IDF-weighted share of the question's words that this heading holds: "Aortic stenosis"
        holds most of "i want to know more about aortic stenosis", "... two days after exercise"
        holds little of "tight band around my head at the end of the work day"."""
        weights = {t: self.idf(t) for t in tokens}
        total = sum(weights.values())
        return sum(w for t, w in weights.items() if t in self.terms[group]) / total if total else 0.0

    @classmethod
    def from_manifest(cls, manifest: Manifest, generation: int, keyword: KeywordIndex | None = None) -> HeadingIndex:
        """The index of the manifest's headings; `keyword` (the store's keyword index) gives the document
        frequencies that weigh a question's words."""
        by_heading: dict[tuple[str, str, str], list[str]] = {}
        texts: dict[tuple[str, str, str], str] = {}
        for cid, root, source, title, section in manifest.chunk_headings():
            key = (root, source, section)
            by_heading.setdefault(key, []).append(cid)
            texts.setdefault(key, f"{title}\n{section}")
        if not by_heading:
            return cls([], None, generation)
        keys = list(by_heading)
        bm25 = bm25s.BM25()
        tokens = tokenize([texts[key] for key in keys])
        bm25.index(tokens, show_progress=False)
        df, n_docs = keyword.document_frequencies() if keyword is not None else ({}, 0)
        exact: dict[str, list[int]] = {}
        for i, key in enumerate(keys):
            heading = title_key(key[2])
            if len(heading.split()) >= EXACT_MIN_WORDS:
                exact.setdefault(heading, []).append(i)
        terms = [frozenset(t) for t in tokens]
        return cls([by_heading[key] for key in keys], bm25, generation, exact, terms, df, n_docs)

    def exact_matches(self, question: str) -> list[list[str]]:
        """The chunk ids of every section whose heading is the question itself (FAQ-style articles:
        "What are the symptoms of X?"), compared without case and punctuation."""
        return [self.groups[i] for i in self.exact.get(title_key(question), [])]

    def search(self, tokens: list[str], n: int, min_coverage: float = 0.0) -> list[tuple[list[str], float]]:
        """The best n headings by BM25, keeping those that hold at least `min_coverage` of the
        question's words by IDF weight (one shared common word does not make a heading relevant)."""
        if self.bm25 is None or not tokens or n <= 0:
            return []
        scores = self.bm25.get_scores(tokens)
        return [
            (self.groups[i], float(scores[i]))
            for i in top_n(scores, n)
            if min_coverage <= 0 or self.coverage(tokens, int(i)) >= min_coverage
        ]
