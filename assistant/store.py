"""The vector store: Chroma, embedded (PersistentClient) or a server (HttpClient).

The only module that imports chromadb. It stores vectors with ids and light metadata; the
manifest (assistant/manifest.py) is the source of truth for which chunks exist.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

import chromadb
import numpy as np
from chromadb.config import Settings as ChromaSettings

from .errors import StoreError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class VectorMatch:
    id: str
    similarity: float
    """Cosine similarity (1 - cosine distance)."""


class VectorStore:
    """One Chroma collection of chunk vectors (cosine space, our own embeddings only)."""

    def __init__(self, path: Path | None = None, host: str | None = None, port: int = 8000, collection: str = "chunks"):
        self.path, self.host, self.port, self.collection_name = path, host, port, collection
        self._open()

    def _open(self) -> None:
        settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
        try:
            if self.host:
                self.client = chromadb.HttpClient(host=self.host, port=self.port, settings=settings)
            else:
                assert self.path is not None
                self.path.mkdir(parents=True, exist_ok=True)
                self.client = chromadb.PersistentClient(path=str(self.path), settings=settings)
            self.collection = self.client.get_or_create_collection(
                self.collection_name,
                configuration={"hnsw": {"space": "cosine"}},
                embedding_function=None,  # never chromadb's own: it downloads a model
            )
        except Exception as exc:  # chromadb raises many kinds; all mean the same to a user
            where = f"Chroma server {self.host}:{self.port}" if self.host else f"Chroma store {self.path}"
            hint = "" if self.host else " Run `python ingest.py --rebuild` to start it afresh."
            raise StoreError(f"cannot open {where}: {exc}.{hint}") from exc
        self.max_batch = int(self.client.get_max_batch_size())

    @property
    def where(self) -> str:
        return f"http://{self.host}:{self.port}" if self.host else str(self.path)

    def reload(self) -> None:
        """See writes made by another process (embedded mode caches the index in memory)."""
        if not self.host:
            self.client.clear_system_cache()
        self._open()

    def upsert(self, ids: Sequence[str], vectors: np.ndarray, metadatas: Sequence[dict]) -> None:
        for start in range(0, len(ids), self.max_batch):
            end = start + self.max_batch
            self.collection.upsert(
                ids=list(ids[start:end]), embeddings=vectors[start:end], metadatas=list(metadatas[start:end])
            )

    def delete(self, ids: Iterable[str]) -> None:
        ids = list(ids)
        for start in range(0, len(ids), self.max_batch):
            self.collection.delete(ids=ids[start : start + self.max_batch])

    def query(self, vector: np.ndarray, n: int) -> list[VectorMatch]:
        if n <= 0:
            return []
        res = self.collection.query(query_embeddings=[vector], n_results=n, include=["distances"])
        ids, dists = res["ids"][0], res["distances"][0]
        return [VectorMatch(i, 1.0 - float(d)) for i, d in zip(ids, dists, strict=True)]

    def vectors(self, ids: Sequence[str]) -> dict[str, np.ndarray]:
        if not ids:
            return {}
        res = self.collection.get(ids=list(ids), include=["embeddings"])
        return {i: np.asarray(v, dtype=np.float32) for i, v in zip(res["ids"], res["embeddings"], strict=True)}

    def ids(self) -> set[str]:
        out: set[str] = set()
        page = 10_000
        offset = 0
        while True:
            got = self.collection.get(include=[], limit=page, offset=offset)["ids"]
            out.update(got)
            if len(got) < page:
                return out
            offset += page

    def count(self) -> int:
        return int(self.collection.count())

    def close(self) -> None:
        """Release the client (embedded mode: Chroma's files are closed when no other client uses them)."""
        try:
            self.client.close()
        except Exception as exc:  # noqa: BLE001 - closing is best effort
            log.debug("closing the Chroma client: %s", exc)

    @classmethod
    def destroy(cls, path: Path, collection: str = "chunks") -> None:
        """Empty an embedded store, even one too damaged to open (used by --rebuild)."""
        try:
            cls(path=path, collection=collection).drop()
        except StoreError:
            import shutil

            chromadb.api.client.SharedSystemClient.clear_system_cache()
            shutil.rmtree(path, ignore_errors=True)

    def drop(self) -> None:
        """Delete the collection (used by --rebuild)."""
        try:
            self.client.delete_collection(self.collection_name)
        except Exception:  # noqa: BLE001 - missing collection is fine
            pass
        self._open()
