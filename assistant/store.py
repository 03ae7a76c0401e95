"""The vector store: Chroma, embedded (PersistentClient) or a server (HttpClient).

The only module that imports chromadb. It stores vectors with ids and light metadata; the
manifest (assistant/manifest.py) is the source of truth for which chunks exist.

Embedded Chroma keeps its index in each process's memory and is not safe to use from two
processes at once (the app and `python ingest.py`): a client that reads or opens the files while
another process writes them, or that keeps using its cached index after another process wrote,
can damage the store or lose vectors from the index. So every call goes through a lock file
beside the Chroma folder (`<store>/chroma.lock`, flock): shared for reads, exclusive for writes,
held only for the call. A writer leaves a new token in the file; a process that finds a token
other than the one it last saw reopens its client (under the lock) before the call.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import uuid
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: no cross-process guard (one process per store)
    fcntl = None  # type: ignore[assignment]

os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

import chromadb
import numpy as np
from chromadb.config import Settings as ChromaSettings

from .errors import StoreError

log = logging.getLogger(__name__)


SYNC_THRESHOLD = 1
"""Chroma persists its HNSW index after every write call, not every 1,000 vectors (its default): a
process that opens the store then has no unpersisted log to replay into its own copy of the index,
so only the writer ever saves the index files (two processes saving them incrementally leave
nodes that search can no longer reach)."""


@dataclass(frozen=True)
class VectorMatch:
    id: str
    similarity: float
    """Cosine similarity (1 - cosine distance)."""


class VectorStore:
    """One Chroma collection of chunk vectors (cosine space, our own embeddings only)."""

    def __init__(self, path: Path | None = None, host: str | None = None, port: int = 8000, collection: str = "chunks"):
        self.path, self.host, self.port, self.collection_name = path, host, port, collection
        self._token = b""
        self._reopen_lock = threading.Lock()
        if not self.host:
            assert self.path is not None
            self.path.mkdir(parents=True, exist_ok=True)
        with self._flock(exclusive=True) as (_, token):
            self._open()
            self._token = token

    # --- the cross-process guard (embedded mode) ----------------------------------------------

    @contextlib.contextmanager
    def _flock(self, exclusive: bool) -> Iterator[tuple[int, bytes]]:
        """Hold `<store>/chroma.lock` (shared or exclusive); yield its descriptor and the token in it."""
        if self.host or fcntl is None:
            yield -1, b""
            return
        assert self.path is not None
        fd = os.open(self.path.with_name(self.path.name + ".lock"), os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
            yield fd, os.pread(fd, 64, 0)
        finally:
            os.close(fd)  # releases the lock

    @contextlib.contextmanager
    def _access(self, write: bool = False) -> Iterator[None]:
        """One Chroma call: under the lock, with a client that has seen every other process's writes."""
        with self._flock(exclusive=write) as (fd, token):
            if token != self._token:
                with self._reopen_lock:
                    if token != self._token:
                        log.info("the vector store changed in another process: reopening %s", self.path)
                        self.client.clear_system_cache()
                        self._open()
                        self._token = token
            yield
            if write and fd >= 0:
                new = uuid.uuid4().hex.encode()
                os.pwrite(fd, new, 0)
                self._token = new

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
                configuration={"hnsw": {"space": "cosine", "sync_threshold": SYNC_THRESHOLD}},
                embedding_function=None,  # never chromadb's own: it downloads a model
            )
            if not self.host and self.collection.configuration_json["hnsw"].get("sync_threshold") != SYNC_THRESHOLD:
                self.collection.modify(configuration={"hnsw": {"sync_threshold": SYNC_THRESHOLD}})
        except Exception as exc:  # chromadb raises many kinds; all mean the same to a user
            where = f"Chroma server {self.host}:{self.port}" if self.host else f"Chroma store {self.path}"
            hint = "" if self.host else " Run `python ingest.py --rebuild` to start it afresh."
            raise StoreError(f"cannot open {where}: {exc}.{hint}") from exc
        self.max_batch = int(self.client.get_max_batch_size())

    @property
    def where(self) -> str:
        return f"http://{self.host}:{self.port}" if self.host else str(self.path)

    def reload(self) -> None:
        """See writes made by another process (embedded mode: reopens only if there were any)."""
        if self.host:
            self._open()
            return
        with self._access():
            pass

    def upsert(self, ids: Sequence[str], vectors: np.ndarray, metadatas: Sequence[dict]) -> None:
        for start in range(0, len(ids), self.max_batch):
            end = start + self.max_batch
            with self._access(write=True):
                self.collection.upsert(
                    ids=list(ids[start:end]), embeddings=vectors[start:end], metadatas=list(metadatas[start:end])
                )

    def delete(self, ids: Iterable[str]) -> None:
        ids = list(ids)
        for start in range(0, len(ids), self.max_batch):
            with self._access(write=True):
                self.collection.delete(ids=ids[start : start + self.max_batch])

    def query(self, vector: np.ndarray, n: int) -> list[VectorMatch]:
        if n <= 0:
            return []
        with self._access():
            res = self.collection.query(query_embeddings=[vector], n_results=n, include=["distances"])
        ids, dists = res["ids"][0], res["distances"][0]
        return [VectorMatch(i, 1.0 - float(d)) for i, d in zip(ids, dists, strict=True)]

    def vectors(self, ids: Sequence[str]) -> dict[str, np.ndarray]:
        if not ids:
            return {}
        with self._access():
            res = self.collection.get(ids=list(ids), include=["embeddings"])
        return {i: np.asarray(v, dtype=np.float32) for i, v in zip(res["ids"], res["embeddings"], strict=True)}

    def ids(self) -> set[str]:
        out: set[str] = set()
        page = 10_000
        offset = 0
        with self._access():
            while True:
                got = self.collection.get(include=[], limit=page, offset=offset)["ids"]
                out.update(got)
                if len(got) < page:
                    return out
                offset += page

    def count(self) -> int:
        with self._access():
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
        with self._access(write=True):
            try:
                self.client.delete_collection(self.collection_name)
            except Exception:  # noqa: BLE001 - missing collection is fine
                pass
            self._open()
