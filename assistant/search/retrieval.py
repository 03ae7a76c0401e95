"""Hybrid search: dense (Chroma), BM25 over chunk texts and BM25 over headings (title › section),
fused by weighted reciprocal rank fusion, then grouped by article so that one article fills at
most `max_per_article` places of the results.

Why three lists: the dense model understands paraphrase and plain-language descriptions; BM25
over the text catches rare names (drugs, syndromes) that a small model blurs; and BM25 over the
headings alone rewards the section whose heading *is* the question ("What causes gout?"),
which the text index dilutes among every chunk that merely mentions the words.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from ..config import Settings
from ..embedding.embedder import Embedder
from ..store.generation import PerGeneration
from ..store.headings import HeadingIndex
from ..store.keyword import KeywordIndex, tokenize
from ..store.manifest import Manifest
from ..store.vectors import VectorStore
from ..text import cut_at_word
from ..types import MAX_PASSAGE_CHARS, Chunk, Hit


@dataclass
class Retriever:
    settings: Settings
    embedder: Embedder
    vectors: VectorStore
    manifest: Manifest
    keyword: Callable[[], KeywordIndex]
    generations: PerGeneration | None = field(default=None, repr=False)
    """The store's per-generation cache (the library's); one of its own when not given."""

    def __post_init__(self) -> None:
        if self.generations is None:
            self.generations = PerGeneration(self.keyword)

    def headings(self) -> HeadingIndex:
        """The heading index of the keyword index's generation (built in memory when it changes)."""
        return self.generations.get(
            "headings", lambda keyword: HeadingIndex.from_manifest(self.manifest, keyword.generation, keyword)
        )

    def search(
        self, query: str, k: int, query_vector: np.ndarray | None = None, per_article: int | None = None
    ) -> list[Hit]:
        """The best k chunks, at most `per_article` (default: the setting) of one article: the candidate
        lists fused (`fuse`), capped per article (`cap_per_article`), every hit with its cosine
        similarity (`backfill_cosine`)."""
        s = self.settings
        per_article = per_article or s.max_per_article
        qv = self.embedder.embed_query(query) if query_vector is None else query_vector
        fused = self.fuse(query, qv, max(s.candidates, k * 4))
        order, chunks = self._read_chunks(fused.order(), k, per_article)
        admitted = cap_per_article(order, chunks, fused.scores, per_article, k)
        dense_score = backfill_cosine([cid for _, cid in admitted], fused.dense, self.vectors, qv)
        return [as_hit(chunks[cid], dense_score.get(cid), score, fused.keyword.get(cid)) for score, cid in admitted]

    def fuse(self, query: str, qv: np.ndarray, n: int) -> Fused:
        """The top n of the dense list, the keyword list and the heading list, fused by weighted
        reciprocal rank."""
        s = self.settings
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
        if s.heading_weight > 0 or s.exact_heading_weight > 0:
            headings = self.headings()
            if s.heading_weight > 0:
                tokens = tokenize([query])[0]
                for rank, (ids, _) in enumerate(headings.search(tokens, n, s.heading_min_coverage)):
                    for cid in ids:
                        fused[cid] += s.heading_weight / (s.rrf_k + rank + 1)
            # a question that *is* a section heading: that section counts once more, as if first
            # in another list (sections sharing the heading tie, so it never picks between them)
            for ids in headings.exact_matches(query):
                for cid in ids:
                    fused[cid] += s.exact_heading_weight / (s.rrf_k + 1)
        return Fused(fused, dense_score, keyword_score)

    def _read_chunks(self, order: list[str], k: int, per_article: int) -> tuple[list[str], dict[str, Chunk]]:
        """The chunks of the best ids, read a hundred at a time until k articles (and k × per_article
        chunks) are covered, with `order` cut where the reading stopped."""
        chunks: dict = {}
        articles: set[tuple[str, str]] = set()
        for start in range(0, len(order), 100):  # read chunks until k articles are covered
            chunks.update(self.manifest.chunks_by_id(order[start : start + 100]))
            articles.update((c.root, c.source) for c in chunks.values())
            if len(articles) >= k and len(chunks) >= k * per_article:
                order = order[: start + 100]
                break
        return order, chunks


@dataclass
class Fused:
    """The candidate lists of a query, fused."""

    scores: dict[str, float]
    """Chunk id -> weighted reciprocal-rank score, in the order the lists first named the chunks."""
    dense: dict[str, float]
    """Cosine similarity of the chunks the dense list found."""
    keyword: dict[str, float]
    """BM25 score of the chunks the keyword list found."""

    def order(self) -> list[str]:
        """The chunk ids, best fused score first (ties in first-named order)."""
        return sorted(self.scores, key=lambda cid: -self.scores[cid])


def cap_per_article(
    order: list[str], chunks: dict[str, Chunk], scores: dict[str, float], per_article: int, k: int
) -> list[tuple[float, str]]:
    """The best k (fused score, chunk id) pairs, best first, with at most `per_article` chunks of one
    article: each article's first ones in `order`. Ids without a chunk are skipped."""
    # (ranking an article by its best chunk plus a share of its next ones was measured and hurt:
    # long articles crowd out precise ones)
    by_article: dict[tuple[str, str], list[str]] = {}
    for cid in order:
        c = chunks.get(cid)
        if c is None:  # a vector whose chunk is gone (another ingest is mid-way)
            continue
        by_article.setdefault((c.root, c.source), []).append(cid)
    admitted: list[tuple[float, str]] = []
    for ids in by_article.values():
        admitted.extend((scores[cid], cid) for cid in ids[:per_article])
    admitted.sort(key=lambda pair: -pair[0])
    return admitted[:k]


def backfill_cosine(ids: list[str], dense: dict[str, float], vectors: VectorStore, qv: np.ndarray) -> dict[str, float]:
    """`dense` with the cosine similarity of each of `ids` that the dense list did not find, computed
    from its stored vector. A hit found only by the keyword lists still gets its cosine: `ask`
    decides whether the articles cover a question on it, and a sure keyword match must not look
    like an unrelated passage."""
    scores = dict(dense)
    missing = [cid for cid in ids if cid not in scores]
    for cid, vec in vectors.vectors(missing).items():
        scores[cid] = float(vec @ qv)
    return scores


def as_hit(c: Chunk, dense: float | None, score: float | None = None, keyword: float | None = None) -> Hit:
    """A stored chunk as a search hit (`score` defaults to its cosine); its text at most MAX_PASSAGE_CHARS
    (what every tool returns of a passage)."""
    score = score if score is not None else (dense or 0.0)
    return Hit(
        source=c.source,
        title=c.title,
        section=c.section,
        text=cut_at_word(c.text, MAX_PASSAGE_CHARS, " …"),
        url=c.url,
        score=score,
        root=c.root,
        position=c.position,
        chunk_id=c.id,
        dense_score=dense,
        keyword_score=keyword,
        page=c.page,
        page_end=c.page_end,
    )
