"""Before a store is opened: its folder found or created, emptied for `rebuild`, and a damaged
vector index rebuilt from the manifest."""

from __future__ import annotations

import logging
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ..config import Settings
from ..disk import disk_full_error, is_disk_full
from ..embedding.embedder import Embedder
from ..errors import DiskFullError, StoreError
from ..ingest.check import StoreChecker
from ..store.manifest import Manifest
from ..store.vectors import VectorIndexError, VectorStore
from ..types import CheckReport
from .locks import store_lock

log = logging.getLogger(__name__)


@dataclass
class OpenedStore:
    """The parts of an opened store folder, ready for `Library`."""

    embedder: Embedder
    vectors: VectorStore
    manifest: Manifest
    repaired: list[str] = field(default_factory=list)
    """Repairs made while opening (a damaged vector index rebuilt): reported by `check`."""


def open_store(
    settings: Settings,
    *,
    embedder: Embedder | None,
    vector_store: VectorStore | None,
    rebuild: bool,
    load_embedder: Callable[[Settings], Embedder],
) -> OpenedStore:
    """Open (or create) the store folder `settings.store`. `rebuild=True` empties it first (after a model
    change). `load_embedder` makes the embedder when none is given (once the folder is known to be usable)."""
    store_dir = settings.store.expanduser()
    if store_dir.exists() and not store_dir.is_dir():
        raise StoreError(f"store path {store_dir} exists and is not a folder")
    try:
        store_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:  # a parent is a file, no permission, read-only disk
        raise StoreError(f"cannot create the store folder {store_dir}: {exc.strerror or exc}") from exc
    read_only = not os.access(store_dir, os.W_OK)
    if read_only and rebuild:
        raise StoreError(f"the store {store_dir} is read-only: it cannot be rebuilt")
    embedder = embedder or load_embedder(settings)
    if rebuild:
        with store_lock(store_dir):
            wipe(store_dir, settings, vector_store)
    # (VectorStore guards each Chroma call against other processes itself: see assistant/store/vectors.py)
    repaired: list[str] = []
    try:
        vectors = vector_store or VectorStore(
            path=store_dir / "chroma", host=settings.chroma_host, port=settings.chroma_port,
            collection=settings.collection, read_only=read_only, search_ef=settings.search_ef,
        )
    except VectorIndexError as exc:
        if read_only:
            raise
        manifest = Manifest(store_dir / "manifest.sqlite3")
        vectors, repaired = rebuild_damaged_index(store_dir, settings, embedder, manifest, exc)
    else:
        manifest = Manifest(store_dir / "manifest.sqlite3", read_only=read_only)
    return OpenedStore(embedder, vectors, manifest, repaired)


def rebuild_damaged_index(
    store_dir: Path, settings: Settings, embedder: Embedder, manifest: Manifest, exc: VectorIndexError
) -> tuple[VectorStore, list[str]]:
    """Chroma's index files are damaged (a kill inside its save, or by hand): empty the index and embed
    the manifest's chunks again. Refused (the original error, naming --rebuild) when the manifest
    was built with another model, or when the store cannot be written."""
    if manifest.get_meta("model") not in (None, embedder.name) or manifest.get_meta("dim") not in (None, str(embedder.dim)):
        raise exc
    log.warning("%s: rebuilding it from the manifest", exc)
    try:
        with store_lock(store_dir):
            vectors = VectorStore(path=store_dir / "chroma", collection=settings.collection, reset=True,
                                  search_ef=settings.search_ef)
            report = CheckReport()
            StoreChecker(manifest, vectors, embedder).rebuild(report, str(exc))
    except DiskFullError:
        raise
    except (OSError, StoreError) as err:
        if is_disk_full(err):
            raise disk_full_error(store_dir, "rebuilding the vector index from the manifest") from err
        raise StoreError(f"{exc} (rebuilding it failed: {err})") from err
    if report.problems:
        raise StoreError(f"{exc} (rebuilding it failed: {'; '.join(report.problems)})")
    return vectors, report.repaired


def wipe(store_dir: Path, settings: Settings, vector_store: VectorStore | None) -> None:
    """Empty a store whatever state it is in (used by --rebuild, also for corrupt stores)."""
    if vector_store is not None:
        vector_store.drop()
    elif settings.chroma_host:
        VectorStore(host=settings.chroma_host, port=settings.chroma_port, collection=settings.collection).drop()
    else:
        VectorStore.destroy(store_dir / "chroma", settings.collection)
    for name in ("manifest.sqlite3", "manifest.sqlite3-wal", "manifest.sqlite3-shm"):
        (store_dir / name).unlink(missing_ok=True)
    shutil.rmtree(store_dir / "keyword", ignore_errors=True)
    log.info("emptied store %s", store_dir)
