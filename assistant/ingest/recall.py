"""How well the approximate vector index finds the nearest neighbours: recall@10 of Chroma's HNSW search
against an exact search over every stored vector, for sample queries made from the store's own headings.

Reachability (assistant/ingest/check.py) says that every vector can be found by its own vector; it does not
say that a question finds its 10 nearest passages. `measure_recall` asks the index as search does (the same
number of candidates, so the same beam) with RECALL_SAMPLE headings ("title › section", embedded as
questions), and counts how many of the exact top 10 (numpy, over every vector, read page by page) come back
in the index's first 10; a vector as close as the exact 10th counts (near-duplicates tie).
"""

from __future__ import annotations

import logging
import random
import time
from dataclasses import dataclass

import numpy as np

from ..embedding.embedder import Embedder
from ..store.manifest import Manifest
from ..store.vectors import VectorStore
from ..text import title_section

log = logging.getLogger(__name__)

RECALL_AT = 10
RECALL_SAMPLE = 200
"""Sample queries per measurement (about 2 s of embedding on 2 cores)."""
GOOD_RECALL = 0.99
"""Below this, `--check` says so and how to raise it (benchmarks/recall.py: the automatic search breadth reaches
0.993 on MedQuAD, 0.9995 on MEDIQA; docs/BENCHMARKS.md)."""
PAGE = 4096
TIE = 1e-5


@dataclass(frozen=True)
class Recall:
    value: float
    """Mean recall@10 over the sample queries."""
    queries: int
    missed_first: int
    """Sample queries whose exact nearest neighbour was not among the index's first 10."""
    seconds: float

    def __str__(self) -> str:
        return (
            f"vector search recall@{RECALL_AT} {self.value:.4f} against exact search on {self.queries} sample "
            f"queries (the nearest passage missed by {self.missed_first})"
        )


def measure_recall(
    manifest: Manifest,
    vectors: VectorStore,
    embedder: Embedder,
    candidates: int,
    sample: int = RECALL_SAMPLE,
    seed: int = 0,
) -> Recall | None:
    """Recall@10 of the index as search asks it (`candidates` results), or None for a store of at most 10
    vectors (any search returns them all)."""
    start = time.perf_counter()
    ids = manifest.all_chunk_ids()
    if len(ids) <= RECALL_AT:
        return None
    picked = sorted(random.Random(seed).sample(ids, min(sample, len(ids))))
    chunks = manifest.chunks_by_id(picked)
    queries = np.stack([embedder.embed_query(title_section(c.title, c.section)) for c in chunks.values()])
    exact = _exact_top(queries, vectors, ids)  # (queries x 10) similarities, best first
    found = vectors.query_many(queries, max(candidates, RECALL_AT))
    tenth, first = exact[:, -1] - TIE, exact[:, 0] - TIE
    recalls, missed = [], 0
    for q, matches in enumerate(found):
        sims = [m.similarity for m in matches[:RECALL_AT]]
        recalls.append(sum(s >= tenth[q] for s in sims) / RECALL_AT)
        missed += not any(s >= first[q] for s in sims)
    result = Recall(float(np.mean(recalls)), len(recalls), missed, time.perf_counter() - start)
    log.info("%s (%.1f s)", result, result.seconds)
    return result


def _exact_top(queries: np.ndarray, vectors: VectorStore, ids: list[str]) -> np.ndarray:
    best = np.full((len(queries), RECALL_AT), -np.inf, dtype=np.float32)
    for start in range(0, len(ids), PAGE):
        page = vectors.vectors(ids[start : start + PAGE])
        if not page:
            continue
        sims = queries @ np.stack(list(page.values())).T
        merged = np.concatenate([best, sims], axis=1)
        best = -np.sort(-merged, axis=1)[:, :RECALL_AT]
    return best


__all__ = ["GOOD_RECALL", "RECALL_AT", "RECALL_SAMPLE", "Recall", "measure_recall"]
