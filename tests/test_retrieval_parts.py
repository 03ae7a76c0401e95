"""The three steps of `Retriever.search`, each on its own: fusion, the per-article cap, the cosine backfill."""

from __future__ import annotations

import numpy as np
import pytest

from assistant import Settings
from assistant.search.retrieval import Retriever, backfill_cosine, cap_per_article
from assistant.store.vectors import VectorMatch
from assistant.types import Chunk


def _chunk(cid: str, source: str) -> Chunk:
    return Chunk(root="/corpus", source=source, position=0, title=source, section="", text=f"text of {cid}",
                 embedded_text=f"text of {cid}", id=cid)


class _Vectors:
    """A vector store that answers a fixed dense list and knows some stored vectors."""

    def __init__(self, matches: list[VectorMatch] = (), stored: dict[str, np.ndarray] | None = None):
        self.matches, self.stored, self.asked = list(matches), stored or {}, []

    def query(self, vector, n):
        return self.matches[:n]

    def vectors(self, ids):
        self.asked.append(list(ids))
        return {cid: self.stored[cid] for cid in ids if cid in self.stored}


class _Keyword:
    def __init__(self, hits: list[tuple[str, float]]):
        self.hits = hits

    def search(self, query, n):
        return self.hits[:n]


def _retriever(settings: Settings, vectors: _Vectors, keyword: _Keyword) -> Retriever:
    return Retriever(settings, embedder=None, vectors=vectors, manifest=None, keyword=lambda: keyword)


def test_fuse_adds_weighted_reciprocal_ranks_of_the_dense_and_keyword_lists(tmp_path):
    s = Settings.from_env(store=tmp_path, heading_weight=0.0, exact_heading_weight=0.0)
    vectors = _Vectors([VectorMatch("a", 0.9), VectorMatch("b", 0.8)])
    keyword = _Keyword([("b", 7.0), ("c", 5.0)])
    fused = _retriever(s, vectors, keyword).fuse("why cramps", np.zeros(4), n=10)

    rrf = s.rrf_k
    assert fused.scores == pytest.approx({
        "a": s.dense_weight / (rrf + 1),
        "b": s.dense_weight / (rrf + 2) + s.keyword_weight / (rrf + 1),
        "c": s.keyword_weight / (rrf + 2),
    })
    assert fused.dense == {"a": 0.9, "b": 0.8}  # the cosine of what the dense list found, nothing else
    assert fused.keyword == {"b": 7.0, "c": 5.0}
    assert fused.order()[0] == "b"  # found by both lists


def test_fused_order_keeps_ties_in_the_order_the_lists_named_them(tmp_path):
    s = Settings.from_env(store=tmp_path, heading_weight=0.0, exact_heading_weight=0.0,
                          dense_weight=1.0, keyword_weight=1.0)
    vectors = _Vectors([VectorMatch("d1", 0.5), VectorMatch("d2", 0.4)])
    keyword = _Keyword([("k1", 1.0), ("k2", 1.0)])
    fused = _retriever(s, vectors, keyword).fuse("q", np.zeros(4), n=10)
    assert fused.order() == ["d1", "k1", "d2", "k2"]


def test_cap_per_article_keeps_each_articles_first_chunks_best_score_first():
    chunks = {cid: _chunk(cid, src) for cid, src in
              [("a1", "a.txt"), ("a2", "a.txt"), ("a3", "a.txt"), ("b1", "b.txt"), ("b2", "b.txt"), ("c1", "c.txt")]}
    order = ["a1", "a2", "a3", "gone", "b1", "b2", "c1"]
    scores = {"a1": 0.9, "a2": 0.5, "a3": 0.45, "gone": 0.44, "b1": 0.6, "b2": 0.3, "c1": 0.2}

    admitted = cap_per_article(order, chunks, scores, per_article=2, k=10)
    assert admitted == [(0.9, "a1"), (0.6, "b1"), (0.5, "a2"), (0.3, "b2"), (0.2, "c1")]  # a3 over the cap
    assert [cid for _, cid in cap_per_article(order, chunks, scores, per_article=1, k=2)] == ["a1", "b1"]


def test_cap_per_article_skips_ids_whose_chunk_is_gone():
    chunks = {"a1": _chunk("a1", "a.txt")}
    assert cap_per_article(["gone", "a1"], chunks, {"gone": 1.0, "a1": 0.5}, per_article=3, k=5) == [(0.5, "a1")]


def test_backfill_cosine_computes_only_what_the_dense_list_did_not_find():
    qv = np.array([1.0, 0.0], dtype=np.float32)
    vectors = _Vectors(stored={"kw": np.array([0.6, 0.8], dtype=np.float32)})
    dense = {"d": 0.75}

    scores = backfill_cosine(["d", "kw", "lost"], dense, vectors, qv)
    assert scores == pytest.approx({"d": 0.75, "kw": 0.6})  # "lost" has no stored vector: no score
    assert vectors.asked == [["kw", "lost"]]  # the dense list's cosine is not recomputed
    assert dense == {"d": 0.75}  # the fused scores are left as they were
