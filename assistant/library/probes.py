"""The checks made when a store is opened: is it the current embedding model's, do its vectors
agree with another backend's, do its manifest and vector store agree.

A fresh (or emptied) store is stamped with the current model instead.
"""

from __future__ import annotations

import json
import logging

import numpy as np

from ..commands import command
from ..disk import disk_space
from ..embedding.embedder import Embedder
from ..errors import ModelMismatchError, StoreError
from ..store.manifest import Manifest
from ..store.vectors import VectorStore

log = logging.getLogger(__name__)

PROBE_CHUNKS = 32
"""Chunks re-embedded to check that another backend reproduces a store's vectors."""
COMPATIBLE_COSINE = 0.99
"""Mean cosine the probe must reach for vectors of two backends to share a store."""


def check_model(manifest: Manifest, embedder: Embedder, vectors: VectorStore) -> None:
    """Stamp an empty store with the current model, else refuse a store of another model (or of a
    backend whose vectors do not reproduce the store's)."""
    store_dir = manifest.path.parent
    stored_model, stored_dim = manifest.get_meta("model"), manifest.get_meta("dim")
    if (stored_model is None or manifest.count_chunks() == 0) and not manifest.read_only:
        with disk_space(store_dir, "stamping the store with the model"), manifest.write() as db:
            manifest.set_meta(db, "model", embedder.name)
            manifest.set_meta(db, "dim", str(embedder.dim))
            manifest.set_meta(db, "backend", embedder.backend)
            manifest.set_meta(db, "model_file", getattr(embedder, "model_file", ""))
            manifest.set_meta(db, "compatible", "[]")
        return
    if stored_model != embedder.name or stored_dim != str(embedder.dim):
        raise ModelMismatchError(
            f"the store {store_dir} was built with the embedding model {stored_model!r} "
            f"(dimension {stored_dim}), but the current settings use {embedder.name!r} "
            f"(dimension {embedder.dim}). Run `{command('ingest')} --rebuild` to re-embed the articles, "
            f"or set ASSISTANT_MODEL={stored_model}."
        )
    check_backend(manifest, embedder, vectors)


def check_vectors(manifest: Manifest, vectors: VectorStore) -> None:
    """A store whose manifest and vector store disagree wholesale was damaged outside an ingest
    (a deleted Chroma folder or manifest): refuse it with the fix rather than look empty."""
    store_dir = manifest.path.parent
    if manifest.journal():
        return  # an interrupted ingest: the next ingest finishes it
    chunks, count = manifest.count_chunks(), vectors.count()
    if chunks and not count:
        raise StoreError(
            f"the vector store {vectors.where} is empty or missing, but the manifest of {store_dir} "
            f"lists {chunks} chunks (was the Chroma folder deleted or replaced?). "
            f"Run `{command('ingest')} --rebuild` to re-embed the articles."
        )
    if count and not chunks:
        raise StoreError(
            f"the manifest of {store_dir} is empty or missing, but the vector store {vectors.where} "
            f"holds {count} vectors (was manifest.sqlite3 deleted?). "
            f"Run `{command('ingest')} --rebuild` to start the store afresh."
        )


def check_backend(manifest: Manifest, embedder: Embedder, vectors: VectorStore) -> None:
    """Vectors of another backend (torch / onnx int8) may share the store only if they agree:
    re-embed a probe of the store's own chunks and compare with the stored vectors."""
    store_dir = manifest.path.parent
    stored = f"{manifest.get_meta('backend')}:{manifest.get_meta('model_file') or ''}"
    current = f"{embedder.backend}:{getattr(embedder, 'model_file', '')}"
    accepted = json.loads(manifest.get_meta("compatible") or "[]")
    if current == stored or current in accepted:
        return
    rows = manifest.probe_chunks(PROBE_CHUNKS)
    old = vectors.vectors([r[0] for r in rows])
    probe = [(i, t) for i, t in rows if i in old]
    cosine = 0.0
    if probe:
        new = embedder.embed_documents([t for _, t in probe])
        cosine = float(np.mean([float(old[i] @ v) for (i, _), v in zip(probe, new, strict=True)]))
    if cosine < COMPATIBLE_COSINE:
        raise ModelMismatchError(
            f"the store {store_dir} was embedded with the {stored.split(':')[0]!r} backend and the current "
            f"{embedder.backend!r} backend does not reproduce its vectors (mean cosine {cosine:.3f} on "
            f"{len(probe)} probe chunks, {COMPATIBLE_COSINE} needed). Run `{command('ingest')} --rebuild` to "
            f"re-embed the articles, or set ASSISTANT_EMBED_BACKEND={stored.split(':')[0]}."
        )
    log.info("backend %s is compatible with the store (mean cosine %.4f on %d chunks)", current, cosine, len(probe))
    if manifest.read_only:
        return
    with disk_space(store_dir, "noting the backend as compatible"), manifest.write() as db:
        manifest.set_meta(db, "compatible", json.dumps(sorted({*accepted, current})))
