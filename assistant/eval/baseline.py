"""The baseline the evaluation compares against: the plain LangChain tutorial pipeline.

Raw file text (no parsing or cleaning) -> `RecursiveCharacterTextSplitter(chunk_size=1000,
chunk_overlap=200)` -> a Chroma store (langchain-chroma's `Chroma` VectorStore) embedded with the
*same* embedder object as the project -> `similarity_search(query, k)`.

Its store is cached and incremental: a small JSON manifest maps each file to its content hash
and chunk ids, so a re-run embeds only new or changed files and deletes the chunks of removed
ones. The cache key includes the splitter settings and the embedding model and backend; if any
of them changes the cached store is emptied and rebuilt.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from langchain_core.embeddings import Embeddings
from langchain_text_splitters import RecursiveCharacterTextSplitter

from ..embedding.embedder import Embedder
from ..ingest.articles import SUPPORTED_EXTENSIONS
from ..ingest.sync import resolve_folder, scan
from ..store.vectors import VectorStore

log = logging.getLogger(__name__)

CHUNK_SIZE = 1000
CHUNK_OVERLAP = 200
COLLECTION = "baseline"
BINARY_FORMATS = (".pdf", ".docx")
"""Not read by the baseline: the tutorial's TextLoader reads text files (no eval set holds any)."""
FLUSH = 512
"""Chunks embedded and written at a time."""


class LangChainEmbeddings(Embeddings):
    """Our embedder behind LangChain's `Embeddings` interface (so both systems use one model)."""

    def __init__(self, embedder: Embedder):
        self.embedder = embedder

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.embedder.embed_documents(list(texts)).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.embedder.embed_query(text).tolist()


@dataclass
class BaselineReport:
    added: int = 0
    updated: int = 0
    removed: int = 0
    unchanged: int = 0
    chunks: int = 0
    seconds: float = 0.0

    def __str__(self) -> str:
        return (
            f"added {self.added}, updated {self.updated}, removed {self.removed}, unchanged {self.unchanged} "
            f"files; {self.chunks} chunks embedded in {self.seconds:.1f} s"
        )


class Baseline:
    """The tutorial pipeline over one cached store folder."""

    def __init__(self, directory: Path, embedder: Embedder):
        from langchain_chroma import Chroma  # imported lazily: only the evaluation needs it

        self.dir = Path(directory)
        self.embedder = embedder
        self.key = f"recursive:{CHUNK_SIZE}:{CHUNK_OVERLAP}:{embedder.name}:{embedder.backend}"
        self._manifest_path = self.dir / "manifest.json"
        self._files = self._load_manifest()
        # Our store module opens the Chroma client (telemetry off, never Chroma's embedding
        # functions); LangChain's `Chroma` VectorStore then does the adding and searching.
        self._client_store = VectorStore(path=self.dir / "chroma", collection=COLLECTION)
        self.db = Chroma(
            collection_name=COLLECTION,
            embedding_function=LangChainEmbeddings(embedder),
            client=self._client_store.client,
        )
        self.splitter = RecursiveCharacterTextSplitter(chunk_size=CHUNK_SIZE, chunk_overlap=CHUNK_OVERLAP)

    def _load_manifest(self) -> dict[str, dict]:
        try:
            data = json.loads(self._manifest_path.read_text())
        except (OSError, ValueError):
            data = {}
        if data.get("key") != self.key:
            if data:
                log.info("baseline cache %s was built with other settings: rebuilding", self.dir)
            shutil.rmtree(self.dir / "chroma", ignore_errors=True)
            return {}
        return dict(data.get("files", {}))

    def _save_manifest(self) -> None:
        self.dir.mkdir(parents=True, exist_ok=True)
        tmp = self._manifest_path.with_suffix(".tmp")
        tmp.write_text(json.dumps({"key": self.key, "files": self._files}))
        os.replace(tmp, self._manifest_path)

    def sync(self, folder: str | Path, progress: Callable[[int, int], None] | None = None) -> BaselineReport:
        """Make the store hold exactly the files of `folder` (by content hash)."""
        start = time.perf_counter()
        root = resolve_folder(folder)
        files, _ = scan(root)
        report = BaselineReport()
        prefix = f"{root}\x00"
        seen: set[str] = set()
        todo: list[tuple[str, bytes, str]] = []
        for path in files:
            if path.suffix.lower() not in SUPPORTED_EXTENSIONS or path.suffix.lower() in BINARY_FORMATS:
                continue
            key = prefix + path.relative_to(root).as_posix()
            seen.add(key)
            data = path.read_bytes()
            digest = hashlib.sha256(data).hexdigest()
            old = self._files.get(key)
            if old is not None and old["hash"] == digest:
                report.unchanged += 1
            else:
                todo.append((key, data, digest))
        gone = [k for k in self._files if k.startswith(prefix) and k not in seen]
        for key in gone:
            self.db.delete(ids=self._files.pop(key)["ids"])
            report.removed += 1
        if gone:
            self._save_manifest()

        batch_texts: list[str] = []
        batch_meta: list[dict] = []
        batch_ids: list[str] = []
        batch_files: list[tuple[str, str, list[str], bool]] = []

        def flush() -> None:
            if batch_texts:
                self.db.add_texts(batch_texts, metadatas=batch_meta, ids=batch_ids)
            for key, digest, ids, is_new in batch_files:
                old = self._files.get(key)
                if old is not None:
                    stale = [i for i in old["ids"] if i not in set(ids)]
                    if stale:
                        self.db.delete(ids=stale)
                self._files[key] = {"hash": digest, "ids": ids}
                report.added += is_new
                report.updated += not is_new
            report.chunks += len(batch_texts)
            self._save_manifest()
            batch_texts.clear(), batch_meta.clear(), batch_ids.clear(), batch_files.clear()

        for done, (key, data, digest) in enumerate(todo, 1):
            source = key[len(prefix) :]
            text = data.decode("utf-8", errors="replace")  # the tutorial's TextLoader: raw text
            pieces = self.splitter.split_text(text)
            ids = [hashlib.sha256(f"{key}\x00{digest}\x00{i}".encode()).hexdigest()[:32] for i in range(len(pieces))]
            batch_texts.extend(pieces)
            batch_meta.extend({"source": source, "root": str(root)} for _ in pieces)
            batch_ids.extend(ids)
            batch_files.append((key, digest, ids, key not in self._files))
            if len(batch_texts) >= FLUSH:
                flush()
                if progress:
                    progress(done, len(todo))
        flush()
        report.seconds = time.perf_counter() - start
        log.info("baseline sync %s: %s", root, report)
        return report

    def search(self, query: str, k: int = 10) -> list[str]:
        """Sources (paths relative to their folder) of the k most similar chunks, best first."""
        return [d.metadata.get("source", "") for d in self.db.similarity_search(query, k=k)]

    def count(self) -> int:
        return self._client_store.count()


__all__ = ["Baseline", "BaselineReport", "LangChainEmbeddings", "CHUNK_SIZE", "CHUNK_OVERLAP"]
