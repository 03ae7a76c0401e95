"""Verify that the vector index holds exactly the manifest's chunks, each reachable, and repair it.

Counting is not enough: a kill inside Chroma's save can leave vectors that are listed but that no
nearest-neighbour search reaches, or index files that no longer agree. The check fetches every
vector and queries the index with it (in batches): a vector absent from its own neighbours, even
with an exhaustive query, is unreachable. Repairs re-add vectors from the manifest's chunks (the
source of truth); a damaged index is emptied and rebuilt from the manifest. Every repair write is
journaled first, so a kill during a repair is found and redone by the next ingest.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence

import numpy as np

from ..disk import disk_space, store_bytes
from ..embedding.embedder import Embedder
from ..errors import DiskFullError, StoreError
from ..store.manifest import Manifest
from ..store.vectors import VectorIndexError, VectorStore, chunk_metadata
from ..types import CheckReport

log = logging.getLogger(__name__)

PAGE = 256
"""Vectors fetched and queried per Chroma call."""
NEIGHBOURS = 50
"""Neighbours asked for per vector (Chroma's beam is at least this): a reachable vector finds itself."""
TWIN = 0.9999
"""Similarity above which another id is the same vector (identical texts): finding it counts."""


class StoreChecker:
    def __init__(self, manifest: Manifest, vectors: VectorStore, embedder: Embedder, flush: int = 512):
        self.manifest, self.vectors, self.embedder, self.flush = manifest, vectors, embedder, flush

    def run(self, repair: bool = True) -> CheckReport:
        start = time.perf_counter()
        report = CheckReport(chunks=self.manifest.count_chunks())
        try:
            report.damage = self.vectors.damage() or ""
            if not report.damage:
                self._inspect(report, repair)
        except VectorIndexError as exc:
            report.damage = str(exc)
        if report.damage:
            if repair:
                self.rebuild(report, f"damaged vector index ({report.damage})")
            else:
                report.problems.append(f"the vector index is damaged: {report.damage}")
        report.seconds = time.perf_counter() - start
        return report

    def _inspect(self, report: CheckReport, repair: bool) -> None:
        wanted = self.manifest.all_chunk_ids()
        have = self.vectors.ids()
        report.vectors = len(have)
        wanted_set = set(wanted)
        orphans = sorted(have - wanted_set)
        missing = [i for i in wanted if i not in have]
        unreachable = self.unreachable([i for i in wanted if i in have], len(have))
        report.orphans, report.missing, report.unreachable = len(orphans), len(missing), len(unreachable)
        if not (orphans or missing or unreachable):
            return
        what = f"{len(missing)} chunks without a vector, {len(unreachable)} unreachable vectors, {len(orphans)} vectors without a chunk"
        if not repair:
            report.problems.append(what)
            return
        log.warning("repairing the vector store: %s", what)
        if orphans:
            self.vectors.delete(orphans)
            report.repaired.append(f"deleted {len(orphans)} vectors without a chunk")
        redo = missing + unreachable
        if redo:
            self._readd(redo, delete_first=unreachable)
            still = self.unreachable(redo, self.vectors.count())
            gone = set(redo) - self.vectors.ids()
            if still or gone:
                self.rebuild(report, f"{len(still) + len(gone)} vectors still unreachable after re-adding them")
                return
            report.repaired.append(f"re-added {len(redo)} vectors from the manifest ({len(missing)} missing, "
                                   f"{len(unreachable)} unreachable)")

    def unreachable(self, ids: Sequence[str], n: int) -> list[str]:
        """Ids among `ids` whose own vector does not find them in the index (or cannot be read)."""
        lost: list[str] = []
        for start in range(0, len(ids), PAGE):
            page = list(ids[start : start + PAGE])
            vecs = self.vectors.vectors(page)
            readable = [i for i in page if i in vecs and np.all(np.isfinite(vecs[i]))]
            lost += [i for i in page if i not in readable]
            if not readable:
                continue
            matrix = np.stack([vecs[i] for i in readable])
            misses = [
                (i, v) for i, v, found in zip(readable, matrix, self.vectors.query_many(matrix, min(NEIGHBOURS, n)),
                                              strict=True)
                if not _finds(i, found)
            ]
            if misses and n > NEIGHBOURS:  # not among the nearest 50: look exhaustively before calling it lost
                wide = self.vectors.query_many(np.stack([v for _, v in misses]), n)
                misses = [(i, v) for (i, v), found in zip(misses, wide, strict=True) if not _finds(i, found)]
            lost += [i for i, _ in misses]
        return lost

    def _readd(self, ids: list[str], delete_first: Sequence[str] = ()) -> None:
        chunks = self.manifest.chunks_by_id(ids)
        needed = store_bytes(list(chunks.values()), self.embedder.dim)
        with disk_space(self.manifest.path.parent, f"re-adding {len(ids)} vectors from the manifest", needed):
            with self.manifest.write() as db:  # a kill from here on leaves a journal: the next ingest checks again
                self.manifest.journal_add(db, ids, "pending")
            if delete_first:
                self.vectors.delete(delete_first)  # a fresh insert links the vector into the graph again
            for start in range(0, len(ids), self.flush):
                part = [chunks[i] for i in ids[start : start + self.flush] if i in chunks]
                vectors = self.embedder.embed_documents([c.embedded_text for c in part])
                self.vectors.upsert([c.id for c in part], vectors, [chunk_metadata(c) for c in part])
            with self.manifest.write() as db:
                self.manifest.journal_clear(db, ids)

    def rebuild(self, report: CheckReport, why: str) -> None:
        """Empty the vector index and embed every chunk of the manifest again."""
        ids = self.manifest.all_chunk_ids()
        log.warning("rebuilding the vector index from the manifest (%d chunks): %s", len(ids), why)
        try:
            with self.manifest.write() as db:
                self.manifest.journal_add(db, ids, "pending")
            self.vectors.reset()
            self._readd(ids)
            with self.manifest.write() as db:
                self.manifest.journal_clear(db)
            after = CheckReport(chunks=len(ids))
            self._inspect(after, repair=False)
        except DiskFullError:
            raise  # the index is not damaged beyond repair: there is no room to repair it
        except StoreError as exc:
            report.problems.append(f"rebuilding the vector index failed: {exc}")
            return
        if after.problems:
            report.problems += after.problems
        else:
            report.repaired.append(f"rebuilt the vector index from the manifest ({len(ids)} chunks): {why}")


def _finds(cid: str, found) -> bool:
    return any(m.id == cid for m in found) or bool(found and found[0].similarity > TWIN)
