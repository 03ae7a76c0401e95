"""Hybrid search: dense (Chroma) and BM25 candidates fused by weighted reciprocal rank fusion,
with at most `max_per_article` chunks of one article in the results."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .config import Settings
from .embeddings import Embedder
from .keyword import KeywordIndex
from .manifest import Manifest
from .store import VectorStore
from .types import Hit


@dataclass
class Retriever:
    settings: Settings
    embedder: Embedder
    vectors: VectorStore
    manifest: Manifest
    keyword: Callable[[], KeywordIndex]

    def search(self, query: str, k: int, query_vector: np.ndarray | None = None) -> list[Hit]:
        s = self.settings
        qv = self.embedder.embed_query(query) if query_vector is None else query_vector
        n = max(s.candidates, k * 4)
        dense = self.vectors.query(qv, n)
        keyword = self.keyword().search(query, n)

        fused: dict[str, float] = {}
        dense_score: dict[str, float] = {}
        keyword_score: dict[str, float] = {}
        for rank, m in enumerate(dense):
            fused[m.id] = fused.get(m.id, 0.0) + s.dense_weight / (s.rrf_k + rank + 1)
            dense_score[m.id] = m.similarity
        for rank, (cid, score) in enumerate(keyword):
            fused[cid] = fused.get(cid, 0.0) + s.keyword_weight / (s.rrf_k + rank + 1)
            keyword_score[cid] = score
        order = sorted(fused, key=lambda cid: -fused[cid])
        chunks = self.manifest.chunks_by_id(order)

        per_article: Counter[tuple[str, str]] = Counter()
        hits: list[Hit] = []
        for cid in order:
            c = chunks.get(cid)
            if c is None:  # a vector whose chunk is gone (another ingest is mid-way)
                continue
            key = (c.root, c.source)
            if per_article[key] >= s.max_per_article:
                continue
            per_article[key] += 1
            hits.append(
                Hit(
                    source=c.source, title=c.title, section=c.section, text=c.text, url=c.url,
                    score=fused[cid], root=c.root, position=c.position, chunk_id=cid,
                    dense_score=dense_score.get(cid), keyword_score=keyword_score.get(cid),
                )
            )
            if len(hits) >= k:
                break
        return hits
