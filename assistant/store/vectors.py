"""The vector store: Chroma, embedded (PersistentClient) or a server (HttpClient).

The only module that imports chromadb. It stores vectors with ids and light metadata; the
manifest (assistant/store/manifest.py) is the source of truth for which chunks exist.

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
import pickle
import re
import struct
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

from ..commands import command
from ..disk import disk_full_error, out_of_space
from ..errors import StoreError
from ..types import Chunk

log = logging.getLogger(__name__)


EF_CONSTRUCTION = 400
"""The breadth of the search that links each new vector into Chroma's HNSW graph (Chroma's default: 100).
A store's collection keeps the value it was made with. On full MedQuAD (35,115 chunks, 1,855 queries;
benchmarks/recall.py, docs/BENCHMARKS.md#vector-recall-hnsw-vs-exact) a graph built with 400 gives recall@10
0.993 at a search breadth of 80 (0.994-0.995 at 100), one built with 100 gives 0.966-0.972 at 80 and needs
600 to pass 0.99 (0.992-0.993), which costs 2-2.5x the search time; building the graph takes about twice as
long (35k vectors: 11-31 s -> 34-72 s on 2 busy cores), searching it no measurable time more at the same
breadth."""
SEARCH_EF = {EF_CONSTRUCTION: 80, 0: 600}
"""The search breadth (ef_search) chosen when `Settings.search_ef` is 0 (automatic), by how the store's graph
was built: on MedQuAD a graph built with EF_CONSTRUCTION reaches recall@10 0.9925-0.9935 at 80 (4 builds; 100
gives 0.994 for about 5% more time), one built before (ef_construction 100) 0.992-0.993 at 600 (5 graphs; 400
falls short on 4 of them, 500 passes the 3 measured by only 0.001-0.002, less than builds differ). 80 is the
floor in practice: dense search asks for 80 candidates (`Settings.candidates`) and hnswlib searches with
max(ef_search, results asked)."""


def search_ef_for(ef_construction: int) -> int:
    """The automatic search breadth of a graph built with this ef_construction (see SEARCH_EF)."""
    return next(ef for built, ef in sorted(SEARCH_EF.items(), reverse=True) if ef_construction >= built)


SYNC_THRESHOLD = 1
"""Chroma persists its HNSW index after every write call, not every 1,000 vectors (its default): a
process that opens the store then has no unpersisted log to replay into its own copy of the index,
so only the writer ever saves the index files (two processes saving them incrementally leave
nodes that search can no longer reach)."""


_NOT_DAMAGE = re.compile(r"permission denied|read-?only|database is locked|operation not permitted", re.I)
"""What Chroma says when it cannot open sound files (a permission, a lock): no reason to throw a store away,
so opening does not suggest --rebuild then (nor for a full disk); other failures do (Chroma's words for
damaged files vary: "file is not a database", or after one failure in a process, an attribute error)."""


class VectorIndexError(StoreError):
    """Chroma's vector index (its HNSW files) is damaged: rebuild it from the manifest."""


HNSW_HEADER = struct.Struct("<iQQQQQQiiQQQdQ")
"""hnswlib's header.bin as Chroma writes it: version, offsetLevel0, max_elements, cur_element_count,
size_data_per_element, label_offset, offsetData, maxlevel, enterpoint, maxM, maxM0, M, mult, ef_construction."""


class _PlainUnpickler(pickle.Unpickler):
    """Chroma's metadata pickle holds only dicts, numbers and strings: refuse anything that names a class
    (a planted pickle must not run code)."""

    def find_class(self, module: str, name: str):
        raise pickle.UnpicklingError(f"unexpected object {module}.{name}")


def hnsw_problem(segment: Path) -> str | None:
    """What is wrong with the HNSW files of one Chroma segment folder, or None when they agree.

    A kill inside Chroma's save (it rewrites these files in place) or a damaged file can leave a
    metadata pickle that does not load, or files whose sizes disagree with the element count in
    the header; Chroma then fails with a raw error, hangs, or answers from a broken graph."""
    files = {p.name: p for p in segment.iterdir()} if segment.is_dir() else {}
    if "header.bin" not in files and "index_metadata.pickle" not in files:
        return None  # an empty collection: Chroma has not saved an index yet
    for name in ("header.bin", "data_level0.bin", "length.bin", "link_lists.bin", "index_metadata.pickle"):
        if name not in files:
            return f"{name} is missing"
    try:
        with open(files["index_metadata.pickle"], "rb") as f:
            meta = _PlainUnpickler(f).load()
        added, labels = int(meta["total_elements_added"]), meta["label_to_id"]
    except Exception as exc:  # noqa: BLE001 - any failure to read it means the same
        return f"index_metadata.pickle cannot be read ({type(exc).__name__})"
    raw = files["header.bin"].read_bytes()
    if len(raw) < HNSW_HEADER.size:
        return f"header.bin is truncated ({len(raw)} bytes)"
    header = HNSW_HEADER.unpack_from(raw)
    capacity, count, per_element = header[2], header[3], header[4]
    if count != added or len(labels) > count or count > capacity:
        return f"header.bin counts {count} elements, index_metadata.pickle {added} ({len(labels)} live)"
    for name, size in (("data_level0.bin", per_element), ("length.bin", 4)):
        actual = files[name].stat().st_size  # Chroma saves the used part, or (first save) the whole capacity
        if not count * size <= actual <= capacity * size or actual % size:
            return f"{name} has {actual} bytes, {count * size} expected for {count} elements"
    return None


@dataclass(frozen=True)
class VectorMatch:
    id: str
    similarity: float
    """Cosine similarity (1 - cosine distance)."""


def chunk_metadata(c: Chunk) -> dict:
    """What Chroma keeps beside a chunk's vector (read back into Hits by the retriever)."""
    meta = {"root": c.root, "source": c.source, "position": c.position, "title": c.title, "section": c.section}
    if c.url:
        meta["url"] = c.url
    if c.page is not None:  # Chroma metadata cannot hold None: no key means no page
        meta["page"] = c.page
        meta["page_end"] = c.page_end if c.page_end is not None else c.page
    return meta


class VectorStore:
    """One Chroma collection of chunk vectors (cosine space, our own embeddings only)."""

    def __init__(
        self, path: Path | None = None, host: str | None = None, port: int = 8000, collection: str = "chunks",
        reset: bool = False, read_only: bool = False, search_ef: int | None = None,
    ):
        """Open the collection; `reset=True` empties it first, even if its index files are damaged.
        `read_only` (a store on a read-only disk or without write permission): reads work, writes
        raise StoreError. `search_ef`: the breadth of approximate search (`Settings.search_ef`)."""
        self.path, self.host, self.port, self.collection_name = path, host, port, collection
        self.search_ef = search_ef
        """Chroma's ef_search for this collection (`Settings.search_ef`; 0: the one its graph needs, see
        SEARCH_EF); None: leave the collection's own."""
        self.read_only = read_only and not host
        self._token = b""
        self._reopen_lock = threading.Lock()
        if not self.host:
            assert self.path is not None
            if self.path.exists() and not self.path.is_dir():
                raise StoreError(f"{self.path} is a file, not the Chroma folder: move it away or use another --store")
            if not self.read_only:
                try:
                    self.path.mkdir(parents=True, exist_ok=True)
                except OSError as exc:
                    raise StoreError(f"cannot create the Chroma folder {self.path}: {exc.strerror or exc}") from exc
        with self._flock(exclusive=True) as (fd, token):
            if reset:
                self._reset_locked()
                if fd >= 0:
                    token = uuid.uuid4().hex.encode()
                    os.pwrite(fd, token, 0)
            else:
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
        lock = self.path.with_name(self.path.name + ".lock")
        try:
            fd = os.open(lock, os.O_RDONLY if self.read_only else os.O_RDWR | os.O_CREAT, 0o644)
        except FileNotFoundError:  # a read-only store without a lock file: nobody can write it
            yield -1, b""
            return
        except OSError as exc:
            raise StoreError(f"cannot open the lock file {lock}: {exc.strerror or exc}") from exc
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
            if write and self.read_only:
                raise StoreError(f"the store {self.path.parent if self.path else ''} is read-only: it can be read, not changed")
            yield
            if write and fd >= 0:
                new = uuid.uuid4().hex.encode()
                os.pwrite(fd, new, 0)
                self._token = new

    @contextlib.contextmanager
    def _errors(self, doing: str) -> Iterator[None]:
        """Chroma's own errors (damaged index files, a server gone) as a one-line StoreError."""
        try:
            yield
        except StoreError:
            raise
        except Exception as exc:  # chromadb raises many kinds; all mean the same to a user
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            if not self.host and out_of_space(exc, self.path):  # not damage: nothing to rebuild (nor room to)
                raise disk_full_error(self.path, doing) from exc
            if self.host:
                raise StoreError(f"the Chroma server {self.host}:{self.port} failed while {doing}: {first}") from exc
            raise VectorIndexError(
                f"the vector index in {self.path} failed while {doing} ({first}): run `{command('ingest')} --check` "
                f"to rebuild it from the manifest, or `{command('ingest')} --rebuild`"
            ) from exc

    def damage(self) -> str | None:
        """What is wrong with the HNSW files on disk (embedded mode; None for a server or a sound index)."""
        if self.host or self.path is None or not self.path.is_dir():
            return None
        for segment in sorted(p for p in self.path.iterdir() if p.is_dir()):
            problem = hnsw_problem(segment)
            if problem:
                return f"{segment.name}/{problem}"
        return None

    def _check_files(self) -> None:
        problem = self.damage()
        if problem:
            raise VectorIndexError(
                f"the vector index in {self.path} is damaged ({problem}): run `{command('ingest')} --check` to "
                f"rebuild it from the manifest, or `{command('ingest')} --rebuild`"
            )

    def _open(self) -> None:
        self._check_files()  # before Chroma loads them: damaged files can make it hang or crash
        try:
            self._connect()
            if self.read_only:
                self.collection = self.client.get_collection(self.collection_name, embedding_function=None)
                self._set_search_ef()  # (in the temporary copy)
                self.max_batch = int(self.client.get_max_batch_size())
                return
            hnsw = {"space": "cosine", "sync_threshold": SYNC_THRESHOLD, "ef_construction": EF_CONSTRUCTION,
                    "ef_search": self.search_ef or search_ef_for(EF_CONSTRUCTION)}
            self.collection = self.client.get_or_create_collection(
                self.collection_name,
                configuration={"hnsw": hnsw},  # a new collection's; an existing one keeps its own
                embedding_function=None,  # never chromadb's own: it downloads a model
            )
            if not self.host and self.collection.configuration_json["hnsw"].get("sync_threshold") != SYNC_THRESHOLD:
                self.collection.modify(configuration={"hnsw": {"sync_threshold": SYNC_THRESHOLD}})
            self._set_search_ef()
        except StoreError:
            raise
        except Exception as exc:  # chromadb raises many kinds; all mean the same to a user
            if not self.host and out_of_space(exc, self.path):  # opening writes Chroma's database: not damage
                raise disk_full_error(self.path, "opening the vector store") from exc
            where = f"Chroma server {self.host}:{self.port}" if self.host else f"Chroma store {self.path}"
            damaged = not self.host and not _NOT_DAMAGE.search(str(exc))
            hint = f" Run `{command('ingest')} --rebuild` to start it afresh." if damaged else ""
            raise StoreError(f"cannot open {where}: {exc}.{hint}") from exc
        self.max_batch = int(self.client.get_max_batch_size())

    def search_ef_in_use(self) -> int | None:
        """The collection's search breadth (ef_search), as its configuration says."""
        return (self.collection.configuration_json.get("hnsw") or {}).get("ef_search")

    def _connect(self) -> None:
        settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
        if self.host:
            self.client = chromadb.HttpClient(host=self.host, port=self.port, settings=settings)
            return
        assert self.path is not None
        where = self.path
        if self.read_only:
            where = self._read_only_copy()
        else:
            self.path.mkdir(parents=True, exist_ok=True)
        self.client = chromadb.PersistentClient(path=str(where), settings=settings)

    def _set_search_ef(self) -> None:
        """Give the collection this store's search breadth: `Settings.search_ef`, or when that is 0 the one
        its graph needs (`search_ef_for`). Chroma keeps it in the collection's configuration and reads it
        when a client loads the index: after a change the client is opened again (embedded mode; a server
        applies it when it loads the collection)."""
        if self.search_ef is None:
            return
        hnsw = self.collection.configuration_json.get("hnsw") or {}
        wanted = self.search_ef or search_ef_for(int(hnsw.get("ef_construction") or 100))
        if hnsw.get("ef_search") == wanted:
            return
        log.info("vector search breadth (ef_search) of %s: %s -> %d", self.where, hnsw.get("ef_search"), wanted)
        self.collection.modify(configuration={"hnsw": {"ef_search": wanted}})
        if not self.host:
            chromadb.api.client.SharedSystemClient.clear_system_cache()
            self._connect()
            self.collection = self.client.get_collection(self.collection_name, embedding_function=None)

    def _read_only_copy(self) -> Path:
        """Chroma writes its database whenever it opens one: a read-only store is read from a temporary copy."""
        import shutil
        import tempfile

        assert self.path is not None
        if getattr(self, "_copy", None) is None:
            import atexit

            self._copy = Path(tempfile.mkdtemp(prefix="assistant-readonly-"))
            atexit.register(shutil.rmtree, self._copy, True)
            log.info("the store is read-only: reading a temporary copy of its vector index (%s)", self._copy)
            try:
                # copyfile makes new, writable files; copytree still gives the folders the store's modes, so
                # a store made read-only by permissions (chmod -R a-w) would give a copy Chroma cannot write
                shutil.copytree(self.path, self._copy / "chroma", copy_function=shutil.copyfile)
                for folder, _, _ in os.walk(self._copy):
                    os.chmod(folder, 0o700)
            except BaseException:
                shutil.rmtree(self._copy, ignore_errors=True)
                self._copy = None
                raise
        return self._copy / "chroma"

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

    def reopen(self) -> None:
        """Open the collection afresh, whatever the token says: the store was rebuilt, or deleted and made
        again, by another process (embedded mode: the folder is created if it is gone)."""
        if self.read_only:
            raise StoreError(f"the read-only store {self.where} changed on disk: restart to read it again")
        if self.host:
            self._open()
            return
        assert self.path is not None
        try:
            self.path.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"cannot create the Chroma folder {self.path}: {exc.strerror or exc}") from exc
        with self._flock(exclusive=True) as (_, token):
            chromadb.api.client.SharedSystemClient.clear_system_cache()  # its cached index is of the old files
            self._open()
            self._token = token

    def upsert(self, ids: Sequence[str], vectors: np.ndarray, metadatas: Sequence[dict]) -> None:
        for start in range(0, len(ids), self.max_batch):
            end = start + self.max_batch
            with self._access(write=True), self._errors("writing vectors"):
                self.collection.upsert(
                    ids=list(ids[start:end]), embeddings=vectors[start:end], metadatas=list(metadatas[start:end])
                )

    def delete(self, ids: Iterable[str]) -> None:
        ids = list(ids)
        for start in range(0, len(ids), self.max_batch):
            with self._access(write=True), self._errors("deleting vectors"):
                self.collection.delete(ids=ids[start : start + self.max_batch])

    def query(self, vector: np.ndarray, n: int) -> list[VectorMatch]:
        if n <= 0:
            return []
        return self.query_many(np.asarray([vector]), n)[0]

    def query_many(self, vectors: np.ndarray, n: int) -> list[list[VectorMatch]]:
        """Nearest neighbours of each vector (one Chroma call)."""
        if n <= 0 or len(vectors) == 0:
            return [[] for _ in range(len(vectors))]
        with self._access(), self._errors("searching"):
            res = self.collection.query(query_embeddings=list(vectors), n_results=n, include=["distances"])
        return [
            [VectorMatch(i, 1.0 - float(d)) for i, d in zip(ids, dists, strict=True)]
            for ids, dists in zip(res["ids"], res["distances"], strict=True)
        ]

    def vectors(self, ids: Sequence[str]) -> dict[str, np.ndarray]:
        if not ids:
            return {}
        with self._access(), self._errors("reading vectors"):
            res = self.collection.get(ids=list(ids), include=["embeddings"])
        return {i: np.asarray(v, dtype=np.float32) for i, v in zip(res["ids"], res["embeddings"], strict=True)}

    def ids(self) -> set[str]:
        out: set[str] = set()
        page = 10_000
        offset = 0
        with self._access(), self._errors("listing vectors"):
            while True:
                got = self.collection.get(include=[], limit=page, offset=offset)["ids"]
                out.update(got)
                if len(got) < page:
                    return out
                offset += page

    def count(self) -> int:
        with self._access(), self._errors("counting vectors"):
            return int(self.collection.count())

    def close(self) -> None:
        """Release the client (embedded mode: Chroma's files are closed when no other client uses them)."""
        try:
            self.client.close()
        except Exception as exc:  # noqa: BLE001 - closing is best effort
            log.debug("closing the Chroma client: %s", exc)
        copy = getattr(self, "_copy", None)
        if copy is not None:
            import shutil

            chromadb.api.client.SharedSystemClient.clear_system_cache()
            shutil.rmtree(copy, ignore_errors=True)
            self._copy = None

    @classmethod
    def destroy(cls, path: Path, collection: str = "chunks") -> None:
        """Empty an embedded store, even one too damaged to open (used by --rebuild)."""
        try:
            cls(path=path, collection=collection).drop()
        except StoreError:
            import shutil

            chromadb.api.client.SharedSystemClient.clear_system_cache()
            shutil.rmtree(path, ignore_errors=True)

    def reset(self) -> None:
        """Empty the collection, even when its index files are too damaged for Chroma to load
        (embedded mode: the segment folders go first). Used to rebuild the index from the manifest."""
        with self._flock(exclusive=True) as (fd, _):
            self._reset_locked()
            if fd >= 0:
                self._token = uuid.uuid4().hex.encode()
                os.pwrite(fd, self._token, 0)

    def _reset_locked(self) -> None:
        if not self.host and self.path is not None:
            import shutil

            chromadb.api.client.SharedSystemClient.clear_system_cache()
            for segment in [p for p in self.path.iterdir() if p.is_dir()]:
                shutil.rmtree(segment, ignore_errors=True)
        self._open()
        with contextlib.suppress(Exception):  # a missing collection is fine
            self.client.delete_collection(self.collection_name)
        self._open()

    def drop(self) -> None:
        """Delete the collection (used by --rebuild)."""
        with self._access(write=True):
            try:
                self.client.delete_collection(self.collection_name)
            except Exception:  # noqa: BLE001 - missing collection is fine
                pass
            self._open()
