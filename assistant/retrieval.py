"""Hybrid search: dense (Chroma), BM25 over chunk texts and BM25 over headings (title › section),
fused by weighted reciprocal rank fusion, then grouped by article so that one article fills at
most `max_per_article` places of the results.

Why three lists: the dense model understands paraphrase and plain-language descriptions; BM25
over the text catches rare names (drugs, syndromes) that a small model blurs; and BM25 over the
headings alone rewards the section whose heading *is* the question ("What causes gout?"),
which the text index dilutes among every chunk that merely mentions the words.
"""

from __future__ import annotations

import re
import threading
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from .config import Settings
from .embeddings import Embedder
from .keyword import KeywordIndex, tokenize
from .manifest import Manifest
from .store import VectorStore
from .types import Hit

EXACT_MIN_WORDS = 3
"""Headings shorter than this ("Causes", "Outlook") are too generic to count as the question."""


def normalise_heading(text: str) -> str:
    return " ".join(re.findall(r"[^\W_]+", text.lower()))


class HeadingIndex:
    """BM25 over the distinct (article, section) headings; a match scores every chunk of it."""

    def __init__(self, groups: list[list[str]], bm25, generation: int, exact: dict[str, list[int]] | None = None):
        self.groups = groups
        self.bm25 = bm25
        self.generation = generation
        self.exact = exact or {}
        """Normalised section heading -> the groups that carry it (for questions that are a heading)."""

    @classmethod
    def from_manifest(cls, manifest: Manifest, generation: int) -> HeadingIndex:
        import bm25s

        by_heading: dict[tuple[str, str, str], list[str]] = {}
        texts: dict[tuple[str, str, str], str] = {}
        rows = manifest.read().execute("SELECT id, root, source, title, section FROM chunks ORDER BY rowid")
        for cid, root, source, title, section in rows:
            key = (root, source, section)
            by_heading.setdefault(key, []).append(cid)
            texts.setdefault(key, f"{title}\n{section}")
        if not by_heading:
            return cls([], None, generation)
        keys = list(by_heading)
        bm25 = bm25s.BM25()
        bm25.index(tokenize([texts[key] for key in keys]), show_progress=False)
        exact: dict[str, list[int]] = {}
        for i, key in enumerate(keys):
            heading = normalise_heading(key[2])
            if len(heading.split()) >= EXACT_MIN_WORDS:
                exact.setdefault(heading, []).append(i)
        return cls([by_heading[key] for key in keys], bm25, generation, exact)

    def exact_matches(self, question: str) -> list[list[str]]:
        """The chunk ids of every section whose heading is the question itself (FAQ-style articles:
        "What are the symptoms of X?"), compared without case and punctuation."""
        return [self.groups[i] for i in self.exact.get(normalise_heading(question), [])]

    def search(self, tokens: list[str], n: int) -> list[tuple[list[str], float]]:
        if self.bm25 is None or not tokens or n <= 0:
            return []
        scores = self.bm25.get_scores(tokens)
        n = min(n, len(scores))
        top = np.argpartition(-scores, n - 1)[:n]
        top = top[np.argsort(-scores[top], kind="stable")]
        return [(self.groups[i], float(scores[i])) for i in top if scores[i] > 0]


@dataclass
class Retriever:
    settings: Settings
    embedder: Embedder
    vectors: VectorStore
    manifest: Manifest
    keyword: Callable[[], KeywordIndex]
    _headings: HeadingIndex | None = field(default=None, init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    def headings(self) -> HeadingIndex:
        """The heading index of the keyword index's generation (built in memory when it changes)."""
        generation = self.keyword().generation
        current = self._headings
        if current is not None and current.generation == generation:
            return current
        with self._lock:
            if self._headings is None or self._headings.generation != generation:
                self._headings = HeadingIndex.from_manifest(self.manifest, generation)
            return self._headings

    def search(
        self, query: str, k: int, query_vector: np.ndarray | None = None, per_article: int | None = None
    ) -> list[Hit]:
        """The best k chunks, at most `per_article` (default: the setting) of one article."""
        s = self.settings
        per_article = per_article or s.max_per_article
        qv = self.embedder.embed_query(query) if query_vector is None else query_vector
        n = max(s.candidates, k * 4)
        dense = self.vectors.query(qv, n)
        keyword = self.keyword().search(query, n)

        fused: dict[str, float] = defaultdict(float)
        dense_score: dict[str, float] = {}
        keyword_score: dict[str, float] = {}
        for rank, m in enumerate(dense):
            fused[m.id] += s.dense_weight / (s.rrf_k + rank + 1)
            dense_score[m.id] = m.similarity
        for rank, (cid, score) in enumerate(keyword):
            fused[cid] += s.keyword_weight / (s.rrf_k + rank + 1)
            keyword_score[cid] = score
        if s.heading_weight > 0:
            tokens = tokenize([query])[0]
            headings = self.headings()
            for rank, (ids, _) in enumerate(headings.search(tokens, n)):
                for cid in ids:
                    fused[cid] += s.heading_weight / (s.rrf_k + rank + 1)
            # a question that *is* a section heading: that section counts once more, as if first
            # in a fourth list (sections sharing the heading tie, so it never picks between them)
            for ids in headings.exact_matches(query):
                for cid in ids:
                    fused[cid] += s.heading_weight / (s.rrf_k + 1)

        order = sorted(fused, key=lambda cid: -fused[cid])
        chunks: dict = {}
        articles: set[tuple[str, str]] = set()
        for start in range(0, len(order), 100):  # read chunks until k articles are covered
            chunks.update(self.manifest.chunks_by_id(order[start : start + 100]))
            articles.update((c.root, c.source) for c in chunks.values())
            if len(articles) >= k and len(chunks) >= k * per_article:
                order = order[: start + 100]
                break

        # at most `per_article` chunks of one article (ranking an article by its best chunk
        # plus a share of its next ones was measured and hurt: long articles crowd out precise ones)
        by_article: dict[tuple[str, str], list[str]] = {}
        for cid in order:
            c = chunks.get(cid)
            if c is None:  # a vector whose chunk is gone (another ingest is mid-way)
                continue
            by_article.setdefault((c.root, c.source), []).append(cid)
        admitted: list[tuple[float, str]] = []
        for ids in by_article.values():
            admitted.extend((fused[cid], cid) for cid in ids[:per_article])
        admitted.sort(key=lambda pair: -pair[0])
        admitted = admitted[:k]
        # a hit found only by the keyword lists still gets its cosine similarity: `ask` decides
        # whether the articles cover a question on it, and a sure keyword match must not look
        # like an unrelated passage
        missing = [cid for _, cid in admitted if cid not in dense_score]
        for cid, vec in self.vectors.vectors(missing).items():
            dense_score[cid] = float(vec @ qv)
        hits: list[Hit] = []
        for score, cid in admitted:
            c = chunks[cid]
            hits.append(
                Hit(
                    source=c.source, title=c.title, section=c.section, text=c.text, url=c.url,
                    score=score, root=c.root, position=c.position, chunk_id=cid,
                    dense_score=dense_score.get(cid), keyword_score=keyword_score.get(cid),
                )
            )
        return hits

