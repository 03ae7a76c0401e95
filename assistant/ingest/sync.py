"""Ingest as a sync of a folder: add new articles, replace changed ones, drop deleted ones.

Write order (crash-safe; the manifest is the source of truth):
1. embed a batch of new chunks;
2. journal their ids as `pending` (committed);
3. upsert the vectors into Chroma;
4. one manifest transaction: replace the articles and chunks, journal the ids they no longer
   use as `delete`, clear the `pending` entries, bump the generation;
5. delete the stale ids from Chroma, then clear those journal entries;
6. finally rebuild the keyword index from the manifest and save it with the generation.
A kill at any point leaves journal entries that the next ingest replays (`recover`): pending
ids that never reached the manifest and stale ids are deleted from Chroma; then, because the kill
may have landed inside Chroma's own save of its index, every vector is checked (assistant/ingest/check.py)
and missing or unreachable ones re-added from the manifest. A keyword index whose generation
differs from the manifest is rebuilt. tests/test_crash.py kills an ingest (SIGKILL) at each of
these steps and inside Chroma's save, and checks the next ingest leaves the store consistent.
Damage done outside an ingest (vectors lost or left over) is repaired by `reconcile`.
"""

from __future__ import annotations

import hashlib
import logging
import os
import queue
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..commands import command
from ..disk import SCRATCH_BYTES, disk_space, store_bytes
from ..embedding.embedder import Embedder
from ..errors import ArticleError, CorpusError, StoreError
from ..store.manifest import Manifest
from ..store.vectors import VectorIndexError, VectorStore, chunk_metadata
from ..types import Article, CheckReport, Chunk, IngestReport, file_format
from .articles import (
    MAX_FILE_BYTES,
    NOT_A_FILE,
    PARSER_VERSION,
    SKIPPED_EXTENSIONS,
    SUPPORTED_EXTENSIONS,
    TEXT_PARSER_VERSION,
    link_problem,
    parse_article,
    read_file,
)
from .check import StoreChecker
from .chunking import Chunker
from .html_reader import HTML_PARSER_VERSION
from .pdf_reader import PDF_PARSER_VERSION

log = logging.getLogger(__name__)

FLUSH_CHUNKS = 512
"""Chunks collected (across articles) before they are embedded and written."""
PREFETCH_BATCHES = 2
"""Batches read, parsed and chunked ahead of the one being embedded (bounds memory)."""


@dataclass
class _Pending:
    article: Article
    fingerprint: str
    chunks: list[Chunk]
    is_new: bool


def resolve_folder(folder: str | Path) -> Path:
    path = Path(folder).expanduser()
    if not _utf8(str(path)):
        raise CorpusError(f"the folder's name is not valid UTF-8: {_shown(path)}")
    if not path.exists():
        raise CorpusError(f"folder not found: {folder}")
    if not path.is_dir():
        raise CorpusError(f"not a folder: {folder}")
    return path.resolve()


SAVED_PAGE_FOLDER = "_files"
"""A page saved "complete" by a browser is NAME.html plus a NAME_files/ folder of its scripts, styles and
images (sometimes frames as .html): the folder is part of the page, not articles, and is ignored."""


def _in_saved_page_folder(rel: Path, root: Path, cache: dict[Path, bool]) -> bool:
    for parent in list(rel.parents)[:-1]:  # the folders above the file, inside root
        if parent not in cache:
            name = parent.name
            cache[parent] = name.endswith(SAVED_PAGE_FOLDER) and any(
                (root / parent.parent / (name[: -len(SAVED_PAGE_FOLDER)] + ext)).is_file()
                for ext in (".html", ".htm", ".xhtml", ".shtml")
            )
        if cache[parent]:
            return True
    return False


BAD_NAME = "its file name is not valid UTF-8: rename it to ingest it"


def _utf8(name: str) -> bool:
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:  # undecodable bytes of the name, kept as surrogates by the file system layer
        return False
    return True


def _shown(path: Path) -> str:
    """A path whose name is not valid UTF-8, printable: U+FFFD for each undecodable byte."""
    return os.fsencode(path).decode("utf-8", "replace")


def scan(root: Path) -> tuple[list[Path], list[tuple[str, str]]]:
    """Supported files under root (recursively, hidden ones and a saved page's NAME_files/ folder
    ignored) and notes on the others."""
    files, skipped = [], []
    page_folders: dict[Path, bool] = {}
    for path in sorted(root.rglob("*")):  # (rglob does not descend into linked folders)
        rel = path.relative_to(root)
        if any(part.startswith(".") for part in rel.parts):
            continue
        if _in_saved_page_folder(rel, root, page_folders):
            continue
        if not _utf8(str(rel)):  # the store and its chunk ids name articles in UTF-8
            if path.is_file():
                skipped.append((_shown(path), BAD_NAME))
            continue
        problem = link_problem(path, root)
        if problem:
            skipped.append((str(path), problem))  # a file or a folder: never followed
            continue
        if not path.is_file():
            if path.exists() and not path.is_dir():  # a FIFO, socket or device: never opened
                skipped.append((str(path), NOT_A_FILE))
            continue
        if path.suffix.lower() in SUPPORTED_EXTENSIONS:
            files.append(path)
        elif path.suffix.lower() in SKIPPED_EXTENSIONS:
            skipped.append((str(path), SKIPPED_EXTENSIONS[path.suffix.lower()]))
        else:
            skipped.append((str(path), f"unsupported file type {path.suffix or '(none)'!r}"))
    return files, skipped


class Syncer:
    def __init__(
        self, manifest: Manifest, vectors: VectorStore, embedder: Embedder, chunker: Chunker,
        progress: Callable[[int, int], None] | None = None, max_file_bytes: int = MAX_FILE_BYTES,
    ):
        self.manifest, self.vectors, self.embedder, self.chunker = manifest, vectors, embedder, chunker
        self.progress = progress
        self.max_file_bytes = max_file_bytes
        self.config_key = f"{PARSER_VERSION}:{chunker.key}:{embedder.name}"
        self.recovered = False
        """Whether `recover` found an interrupted ingest (then `recheck` checks again after the sync)."""

    @property
    def store_dir(self) -> Path:
        return self.manifest.path.parent

    def fingerprint(self, data: bytes, source: str = "") -> str:
        """The bytes and the configuration that made the chunks; a PDF's also names the PDF reader's version,
        a .txt file's the text reader's and a page's the HTML reader's, so changing one re-parses its files only
        (others keep theirs)."""
        key = self.config_key
        if source.lower().endswith(".pdf"):
            key += f":pdf{PDF_PARSER_VERSION}"
        elif source.lower().endswith(".txt"):
            key += f":txt{TEXT_PARSER_VERSION}"
        elif file_format(source) in ("html", "mhtml"):
            key += f":html{HTML_PARSER_VERSION}"
        return hashlib.sha256(data + b"\x00" + key.encode()).hexdigest()

    # --- recovery ---------------------------------------------------------------------------

    def recover(self) -> int:
        """Replay the journal of an interrupted ingest, then check the vector index (the kill may
        have landed inside Chroma's own save) and repair it. Returns the number of ids cleaned."""
        cleaned = self.replay()
        if cleaned < 0:
            return 0
        self.recovered = True
        self._check_and_repair()
        return cleaned

    def recheck(self) -> None:
        """After an ingest that finished an interrupted one: check every vector again, and repair.

        The replay deleted the vectors the killed ingest was writing, and the sync then writes the
        same chunk ids again into an index a kill may have left half-saved. In the crash trial that
        kills 2 ms into Chroma's upsert, about one run in five under load ended with 1 of 300 vectors
        that no search reached, after the first check had passed. This check sees it, and re-adds
        or rebuilds as the first does."""
        if self.recovered:
            self._check_and_repair()

    def _check_and_repair(self) -> CheckReport:
        """Check every vector and repair; a store that cannot be repaired is a StoreError naming --rebuild."""
        report = self.checker().run(repair=True)
        if not report.ok:
            raise StoreError(f"the store {self.manifest.path.parent} could not be repaired: "
                             f"{'; '.join(report.problems)}. Run `{command('ingest')} --rebuild` to re-embed "
                             "the articles.")
        if report.repaired:
            log.warning("vector store repaired: %s", "; ".join(report.repaired))
        return report

    def replay(self) -> int:
        """Delete the vectors the journal names that the manifest does not hold; -1 if there was no journal."""
        entries = self.manifest.journal()
        if not entries:
            return -1
        ids = [i for i, _ in entries]
        live = self.manifest.existing_chunk_ids(ids)
        dead = [i for i in ids if i not in live]
        log.warning("recovering from an interrupted ingest: %d journal entries, %d stale vectors", len(ids), len(dead))
        with disk_space(self.store_dir, "finishing an interrupted ingest", SCRATCH_BYTES):
            try:
                self.vectors.delete(dead)
            except VectorIndexError as exc:  # the check that follows rebuilds the index
                log.warning("%s", exc)
            with self.manifest.write() as db:
                self.manifest.journal_clear(db)
        return len(dead)

    def checker(self) -> StoreChecker:
        return StoreChecker(self.manifest, self.vectors, self.embedder, FLUSH_CHUNKS)

    def reconcile(self) -> int:
        """Make the vector store hold exactly the manifest's chunks when their counts disagree.

        It repairs damage done outside an ingest, e.g. vectors lost by Chroma or left behind by a
        deleted manifest row (a crash is covered by `recover`, which checks every vector). Orphan
        vectors are deleted and missing ones re-embedded from the manifest's text. Returns the
        number of vectors fixed."""
        try:
            if self.manifest.count_chunks() == self.vectors.count():
                return 0
        except VectorIndexError:
            pass
        report = self._check_and_repair()
        return report.missing + report.orphans + report.unreachable

    # --- sync -------------------------------------------------------------------------------

    def sync(self, folder: str | Path, report: IngestReport) -> None:
        root = resolve_folder(folder)
        root_key = str(root)
        files, notes = scan(root)
        report.skipped.extend(notes)
        stored = self.manifest.stored_articles(root_key)
        seen: set[tuple[str, str]] = set()
        todo: list[tuple[Path, bool]] = []  # (file, is new): read again when parsed, not kept in memory
        for path in files:
            source = path.relative_to(root).as_posix()
            key = (root_key, source)
            try:
                data = read_file(path, root, self.max_file_bytes)
            except ArticleError as exc:
                report.skipped.append((str(path), str(exc)))
                seen.add(key)  # keep what we have of it
                continue
            fp = self.fingerprint(data, source)
            seen.add(key)
            old = stored.get(key)
            if old is not None and old.fingerprint == fp:
                report.unchanged += 1
            else:
                todo.append((path, old is None))
        gone = [key for key in stored if key not in seen]
        log.info("sync %s: %d files, %d to ingest, %d to remove", root, len(files), len(todo), len(gone))
        self._ingest(root, todo, report)
        self._remove(gone, report)

    def _parsed(self, root: Path, todo, report: IngestReport) -> Iterator[_Pending]:
        for path, is_new in todo:
            try:
                data = read_file(path, root, self.max_file_bytes)
            except ArticleError as exc:
                report.skipped.append((str(path), str(exc)))
                continue
            fp = self.fingerprint(data, path.name)  # of the bytes parsed, even if the file changed since the scan
            try:
                article = parse_article(
                    data, source=path.relative_to(root).as_posix(), root=str(root), max_bytes=self.max_file_bytes
                )
            except ArticleError as exc:
                reason = str(exc)
                if not is_new:
                    reason += " (the previously ingested version is kept)"
                report.skipped.append((str(path), reason))
                continue
            yield _Pending(article, fp, self.chunker.split(article), is_new)

    def _ingest(self, root: Path, todo, report: IngestReport) -> None:
        total = len(todo)
        done = 0
        for batch in self._batches(root, todo, report):
            self._write(batch, report)
            done += len(batch)
            if self.progress and done < total:
                self.progress(done, total)
        if self.progress:
            self.progress(total, total)

    def _batches(self, root: Path, todo, report: IngestReport) -> Iterator[list[_Pending]]:
        """Batches of about FLUSH_CHUNKS chunks across articles. A reader thread reads, parses and
        chunks ahead (at most PREFETCH_BATCHES waiting) while the caller embeds and writes: parsing
        runs while onnxruntime/torch compute without the GIL. Writes stay in the caller, in order."""
        if len(todo) <= 1:  # nothing to overlap
            yield from _group(self._parsed(root, todo, report), FLUSH_CHUNKS)
            return
        ready: queue.Queue = queue.Queue(maxsize=PREFETCH_BATCHES)
        stop = threading.Event()
        flush = FLUSH_CHUNKS

        def put(item) -> None:
            while not stop.is_set():
                try:
                    ready.put(item, timeout=0.1)
                    return
                except queue.Full:
                    continue

        def read() -> None:
            try:
                for batch in _group(self._parsed(root, todo, report), flush):
                    if stop.is_set():
                        return
                    put(batch)
                put(_DONE)
            except BaseException as exc:  # noqa: BLE001 - handed to the caller, raised there
                put(exc)

        reader = threading.Thread(target=read, name="ingest-reader", daemon=True)
        reader.start()
        try:
            while True:
                item = ready.get()
                if item is _DONE:
                    return
                if isinstance(item, BaseException):
                    raise item
                yield item
        finally:
            stop.set()
            reader.join()

    def _write(self, batch: list[_Pending], report: IngestReport) -> None:
        all_chunks = [c for p in batch for c in p.chunks]
        known = self.manifest.existing_chunk_ids(c.id for c in all_chunks)
        fresh = [c for c in all_chunks if c.id not in known]
        fresh_ids = [c.id for c in fresh]
        log.info("embedding %d chunks of %d articles", len(fresh), len(batch))
        vectors = self._embed(fresh)
        needed = store_bytes(all_chunks, self.embedder.dim)
        with disk_space(self.store_dir, f"writing {len(all_chunks)} chunks of {len(batch)} articles", needed):
            with self.manifest.write() as db:
                self.manifest.journal_add(db, fresh_ids, "pending")
            log.info("writing %d vectors to the vector store", len(fresh))
            self.vectors.upsert(fresh_ids, vectors, [chunk_metadata(c) for c in fresh])
            log.info("writing manifest for %d articles", len(batch))
            stale: list[str] = []
            with self.manifest.write() as db:
                for p in batch:
                    a = p.article
                    stale += self.manifest.put_article(
                        db, a.root, a.source, p.fingerprint, a.title, a.url, [s.heading for s in a.sections],
                        p.chunks, a.format, a.pages,
                    )
                self.manifest.journal_add(db, stale, "delete")
                self.manifest.journal_clear(db, fresh_ids)
                self.manifest.bump_generation(db)
                log.info("committing manifest: %d articles, %d chunks replaced", len(batch), len(stale))
            self._delete(stale)
        report.chunks += len(fresh)
        report.added += sum(p.is_new for p in batch)
        report.updated += sum(not p.is_new for p in batch)

    def _embed(self, chunks: list[Chunk]) -> np.ndarray:
        """Embed in slices of FLUSH_CHUNKS (one huge article is one batch: its slices bound the memory)."""
        if len(chunks) <= FLUSH_CHUNKS:
            return self.embedder.embed_documents([c.embedded_text for c in chunks])
        parts = []
        for start in range(0, len(chunks), FLUSH_CHUNKS):
            parts.append(self.embedder.embed_documents([c.embedded_text for c in chunks[start : start + FLUSH_CHUNKS]]))
            log.info("embedded %d of %d chunks", min(start + FLUSH_CHUNKS, len(chunks)), len(chunks))
        return np.concatenate(parts)

    def _remove(self, gone: list[tuple[str, str]], report: IngestReport) -> None:
        if not gone:
            return
        ids: list[str] = []
        log.info("removing %d articles from the manifest", len(gone))
        with disk_space(self.store_dir, f"removing {len(gone)} articles", SCRATCH_BYTES):
            with self.manifest.write() as db:
                for root, source in gone:
                    ids += self.manifest.delete_article(db, root, source)
                self.manifest.journal_add(db, ids, "delete")
                self.manifest.bump_generation(db)
            self._delete(ids)
        report.removed += len(gone)

    def remove_article(self, root: str, source: str) -> bool:
        if (root, source) not in self.manifest.stored_articles(root):
            return False
        self._remove([(root, source)], IngestReport())
        return True

    def _delete(self, ids: Iterable[str]) -> None:
        ids = list(ids)
        if not ids:
            return
        log.info("deleting %d stale vectors from the vector store", len(ids))
        self.vectors.delete(ids)
        with self.manifest.write() as db:
            self.manifest.journal_clear(db, ids)


_DONE = object()


def _group(items: Iterable[_Pending], flush: int) -> Iterator[list[_Pending]]:
    batch: list[_Pending] = []
    n_chunks = 0
    for item in items:
        batch.append(item)
        n_chunks += len(item.chunks)
        if n_chunks >= flush:
            yield batch
            batch, n_chunks = [], 0
    if batch:
        yield batch


def timed(fn: Callable[[], None], report: IngestReport) -> IngestReport:
    start = time.perf_counter()
    fn()
    report.seconds = time.perf_counter() - start
    return report
