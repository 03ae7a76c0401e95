"""Hybrid search: dense (Chroma), BM25 over chunk texts and BM25 over headings (title › section),
fused by weighted reciprocal rank fusion, then grouped by article so that one article fills at
most `max_per_article` places of the results.

Why three lists: the dense model understands paraphrase and plain-language descriptions; BM25
over the text catches rare names (drugs, syndromes) that a small model blurs; and BM25 over the
headings alone rewards the section whose heading *is* the question ("What causes gout?"),
which the text index dilutes among every chunk that merely mentions the words.
"""

from __future__ import annotations

import math
import threading
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from ..config import Settings
from ..embedding.embedder import Embedder
from ..ingest.chunking import MAX_PASSAGE_CHARS
from ..ingest.manifest import Manifest
from ..text import cut_at_word, title_key
from ..types import Chunk, Hit
from .intent import answers_kind, section_kinds
from .keyword import KeywordIndex, tokenize, top_n
from .store import VectorStore

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
        tokens = tokenize([texts[key] for key in keys])
        bm25.index(tokens, show_progress=False)
        df: dict[str, int] = {}
        n_docs = 0
        if keyword is not None and keyword.bm25 is not None:
            indptr = keyword.bm25.scores["indptr"]
            n_docs = int(keyword.bm25.scores["num_docs"])
            df = {tok: int(indptr[i + 1] - indptr[i]) for tok, i in keyword.bm25.vocab_dict.items() if tok}
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
                self._headings = HeadingIndex.from_manifest(self.manifest, generation, self.keyword())
            return self._headings

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


def route(
    retriever: Retriever, kind: str | None, hits: list[Hit], qv: np.ndarray, n: int
) -> tuple[list[Hit], list[Chunk]]:
    """The passages to answer from, led by the section of the best article that answers the
    question's kind ("why ..." -> its causes section), and that article's chunks (the whole article,
    for the answer's other lines). Retrieval picks the article; the question's kind picks the section."""
    if not hits:
        return hits, []
    lead = hits[0]
    article = list(retriever.manifest.iter_chunks(lead.root, lead.source))
    passages = list(hits)
    if kind is not None:
        texts: dict[str, str] = {}
        for c in article:  # a section's kind is read from its heading and its opening chunk
            texts.setdefault(c.section, c.text)
        same = [i for i, h in enumerate(passages[:n]) if (h.root, h.source) == (lead.root, lead.source)]
        # first a section of the kind itself, then one that also answers it (a duration question: the
        # section that says how long, else the one that says what to do)
        for answers in (
            lambda heading: kind in section_kinds(heading, texts.get(heading, "")),
            lambda heading: answers_kind(heading, kind, texts.get(heading, "")),
        ):
            answering = [i for i in same if answers(passages[i].section)]
            if answering:
                passages.insert(0, passages.pop(answering[0]))
                break
            candidates = [c for c in article if answers(c.section)]
            if candidates:
                best = _closest(retriever, candidates, qv)
                passages = [h for h in passages if h.chunk_id != best[0].id]
                passages.insert(0, as_hit(best[0], best[1], lead.score))
                break
    return passages, article


def _closest(retriever: Retriever, chunks: list[Chunk], qv: np.ndarray) -> tuple[Chunk, float | None]:
    vectors = retriever.vectors.vectors([c.id for c in chunks])
    scored = [(float(vectors[c.id] @ qv), i) for i, c in enumerate(chunks) if c.id in vectors]
    if not scored:
        return chunks[0], None
    score, i = max(scored)
    return chunks[i], score


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
