"""`Library`: one opened store — its manifest, vectors, embedder and keyword index — kept current
with other processes' ingests, and changed (ingest, check, remove) under the store's locks."""

from __future__ import annotations

import logging
import shutil
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from ..commands import command
from ..config import Settings
from ..disk import disk_space
from ..embedding.embedder import Embedder
from ..errors import AssistantError, StoreError
from ..ingest.chunking import Chunker
from ..ingest.fulltext import load_article
from ..ingest.recall import GOOD_RECALL, measure_recall
from ..ingest.sync import Syncer, resolve_folder, timed
from ..store.generation import PerGeneration
from ..store.keyword import KeywordIndex, index_text
from ..store.manifest import Manifest
from ..store.vectors import VectorStore
from ..types import Article, ArticleInfo, CheckReport, Chunk, IngestReport
from .locks import store_lock, try_store_lock
from .probes import check_model, check_vectors

log = logging.getLogger(__name__)

ProgressFn = Callable[[int, int], None]


class Library:
    """An opened store (see `open_store` for opening the folder): checks on construction that it is the
    current model's and that its manifest and vectors agree, then loads its keyword index.

    Reads (`keyword`, the manifest, the vectors) are safe from many threads; `ingest`, `check` and
    `remove` are serialised per store by an OS-level lock, and another process's ingest is picked up
    by `refresh` (which `Assistant` calls before every query).
    """

    def __init__(
        self, settings: Settings, embedder: Embedder, vectors: VectorStore, manifest: Manifest, *,
        owns_vectors: bool = False, repaired_on_open: Sequence[str] = (),
    ):
        self.settings = settings
        self.embedder = embedder
        self.vectors = vectors
        self.manifest = manifest
        self.chunker = Chunker(embedder.count_tokens, embedder.max_tokens, settings.chunk_tokens, settings.chunk_overlap)
        self._keyword = KeywordIndex([], None, -1)
        self.generations = PerGeneration(self.keyword)
        """What search and answers derive from the store, per generation of the keyword index."""
        self._refresh_lock = threading.RLock()
        self._ingest_lock = threading.Lock()
        self.owns_vectors = owns_vectors
        """Close the vector store with the library (it was opened here, not passed in)."""
        self.repaired_on_open: list[str] = list(repaired_on_open)
        """Repairs made while opening (a damaged vector index rebuilt): reported by `check`."""
        self.closed = False
        """`close` was called: every use after it is a StoreError, never a repair of a "damaged" index."""
        check_model(self.manifest, self.embedder, self.vectors)
        check_vectors(self.manifest, self.vectors)
        self.refresh()

    @property
    def read_only(self) -> bool:
        """The store cannot be written (read-only disk or permissions): it answers, ingest and remove refuse."""
        return self.manifest.read_only

    @property
    def max_file_bytes(self) -> int:
        return int(self.settings.max_file_mb * 2**20)

    @property
    def store_dir(self) -> Path:
        return self.manifest.path.parent

    def keyword(self) -> KeywordIndex:
        """The keyword index of the store as last loaded (`refresh` keeps it current)."""
        return self._keyword

    # --- keeping up with other processes ------------------------------------------------------

    def refresh(self) -> None:
        """Reload the keyword index (and Chroma's view) if another ingest changed the store; open the store
        again if another process rebuilt it (see `_follow_store`)."""
        self._check_open()
        self._follow_store()
        generation = self.manifest.generation
        if generation == self._keyword.generation:
            return
        with self._refresh_lock:
            if generation == self._keyword.generation:
                return
            first = self._keyword.generation < 0
            if self._ingest_lock.locked() and not first:
                return  # our own ingest is running: it installs the new index when it is done
            with try_store_lock(self.store_dir) as free:  # held so no ingest starts mid-reload
                if not free and not first:
                    return  # an ingest is running elsewhere: keep the current view until it finishes
                generation = self.manifest.generation
                saved = KeywordIndex.load(self._keyword_dir)
                if saved is not None and saved.generation == generation:
                    index = saved
                else:
                    index = self._build_keyword(generation)
                if not first:
                    self.vectors.reload()  # written by another process: reopen Chroma's client now
            self._keyword = index
            log.info("keyword index at generation %d (%d chunks)", generation, len(index))

    def _follow_store(self, *, locked: bool = False, create: bool = False) -> None:
        """Notice the store rebuilt, wiped or deleted by another process — its manifest file replaced or gone,
        told by the file's identity (device, inode), not its time — and open the new one; never answer
        from the old files, which this process may still hold open. Without `locked` (a question), a store
        that is gone, or whose new ingest is still running, is a StoreError that says so. `locked`: the
        caller holds the store's ingest lock (ingest, check, remove); `create` (ingest): a store that is
        gone is made again."""
        state = self.manifest.state()
        if state == "same":
            return
        with self._refresh_lock:
            state = self.manifest.state()
            if state == "same":
                return
            if state == "gone" and not create:
                raise StoreError(
                    f"the store {self.store_dir} was removed by another process: re-sync the articles (the app's "
                    f"Re-sync, or `{command('ingest')}`) to create it again, or restart the app")
            if locked:
                self._reopen()
                return
            with try_store_lock(self.store_dir) as free:  # held so no ingest starts mid-reopen
                if not free:
                    raise StoreError(
                        f"the store {self.store_dir} was rebuilt by another process, whose ingest is still "
                        "running: ask again when it has finished (or restart the app, or re-sync)")
                self._reopen()

    def _reopen(self) -> None:
        log.warning("the store %s was rebuilt or removed by another process: opening it again", self.store_dir)
        self.store_dir.mkdir(parents=True, exist_ok=True)
        self.manifest.reopen()
        self.vectors.reopen()
        check_model(self.manifest, self.embedder, self.vectors)  # a new store is stamped, another model refused
        self._keyword = KeywordIndex([], None, -1)  # loaded afresh by `refresh`

    @property
    def _keyword_dir(self) -> Path:
        return self.store_dir / "keyword"

    def _build_keyword(self, generation: int) -> KeywordIndex:
        ids, texts = [], []
        for c in self.manifest.iter_chunks():
            ids.append(c.id)
            texts.append(index_text(c.title, c.section, c.text))
        return KeywordIndex.build(ids, texts, generation)

    # --- changing the store -----------------------------------------------------------------

    def ingest(
        self, folders: Sequence[str | Path] | str | Path, *, rebuild: bool = False, progress: ProgressFn | None = None
    ) -> IngestReport:
        """Sync each folder into the store (add new, replace changed, remove deleted articles)."""
        self._check_open()
        if isinstance(folders, str | Path):
            folders = [folders]
        roots = list(dict.fromkeys(resolve_folder(f) for f in folders))  # fail before touching anything; once each
        self._writable()
        report = IngestReport()
        if self.manifest.state() == "gone":  # removed by another process: made again below
            self.store_dir.mkdir(parents=True, exist_ok=True)
        with self._ingest_lock, store_lock(self.store_dir):
            self._follow_store(locked=True, create=True)
            if rebuild:
                self._wipe_locked()
            syncer = Syncer(self.manifest, self.vectors, self.embedder, self.chunker, progress or _tqdm_progress(),
                            max_file_bytes=self.max_file_bytes)

            def run() -> None:
                with disk_space(self.store_dir, "ingesting"):  # the steps below name their own space
                    syncer.recover()
                    syncer.reconcile()
                    for root in roots:
                        syncer.sync(root, report)
                    syncer.recheck()
                    self._save_keyword()

            timed(run, report)
        log.info("ingest done: %s", report)
        return report

    def check(self, repair: bool = True) -> CheckReport:
        """Verify the store without syncing any folder: every manifest chunk has a vector that a dense
        query for it reaches, and every vector has a chunk. With `repair`, an interrupted ingest is
        finished, missing or unreachable vectors are re-added from the manifest and a damaged index
        is rebuilt from it; `CheckReport.problems` lists what could not be repaired."""
        self._check_open()
        if repair and self.manifest.read_only:
            repair = False  # a read-only store can be checked, not repaired
        with self._ingest_lock, store_lock(self.store_dir, wait=repair), disk_space(self.store_dir, "checking the store"):
            self._follow_store(locked=True)
            syncer = Syncer(self.manifest, self.vectors, self.embedder, self.chunker)
            journal = len(self.manifest.journal())
            if repair:
                syncer.replay()
            report = syncer.checker().run(repair=repair)
            report.repaired[:0] = self.repaired_on_open
            if journal:
                (report.repaired if repair else report.problems).append(
                    f"{'finished' if repair else 'unfinished:'} an interrupted ingest ({journal} journal entries)")
            if repair:
                self._save_keyword()
            if report.ok:
                self._measure_recall(report)
        log.info("check done: %s", report)
        return report

    def _measure_recall(self, report: CheckReport) -> None:
        recall = measure_recall(self.manifest, self.vectors, self.embedder, self.settings.candidates)
        if recall is None:
            return
        report.recall, report.recall_queries = recall.value, recall.queries
        if recall.value < GOOD_RECALL:
            report.notes.append(
                f"the vector index finds {recall.value:.1%} of the exact 10 nearest passages, below {GOOD_RECALL:.0%}: "
                f"raise ASSISTANT_SEARCH_EF (now {self.vectors.search_ef_in_use()}; benchmarks/recall.py measures the "
                f"cost), or `{command('ingest')} --rebuild` to build the index again")

    def remove(self, folder: str | Path, source: str) -> bool:
        """Drop one article from the store (the file is left alone). False if it was not there."""
        self._check_open()
        root = _root(folder)
        self._writable()
        with self._ingest_lock, store_lock(self.store_dir), disk_space(self.store_dir, f"removing {source}"):
            self._follow_store(locked=True)
            syncer = Syncer(self.manifest, self.vectors, self.embedder, self.chunker)
            syncer.recover()
            removed = syncer.remove_article(root, Path(source).as_posix())
            if removed:
                self._save_keyword()
        return removed

    def _writable(self) -> None:
        if self.manifest.read_only:
            raise StoreError(f"the store {self.store_dir} is read-only: it can be read (--list, ask, search, the app), "
                             "not changed")

    def _save_keyword(self) -> None:
        generation = self.manifest.generation
        saved = KeywordIndex.load(self._keyword_dir)
        if saved is not None and saved.generation == generation:
            self._keyword = saved
            return
        log.info("writing keyword index (generation %d)", generation)
        index = self._build_keyword(generation)
        with disk_space(self._keyword_dir, "saving the keyword index", 2 * index.disk_bytes()):  # old and new
            index.save(self._keyword_dir)
        self._keyword = index

    def _wipe_locked(self) -> None:
        with disk_space(self.store_dir, "emptying the store"):
            self.vectors.drop()
            with self.manifest.write() as db:
                self.manifest.clear(db)
            shutil.rmtree(self._keyword_dir, ignore_errors=True)
        check_model(self.manifest, self.embedder, self.vectors)

    # --- reading articles -------------------------------------------------------------------

    def articles(self) -> list[ArticleInfo]:
        self._check_open()
        self._follow_store()
        return self.manifest.article_infos()

    def article(self, folder: str | Path, source: str) -> Article:
        """The whole text of an ingested article (re-read from its file, else from the stored chunks)."""
        self._check_open()
        self._follow_store()
        root = _root(folder)
        if (root, source) not in self.manifest.stored_articles(root):
            raise AssistantError(f"{source!r} from {root} is not in the store")
        return load_article(root, source, self.manifest.iter_chunks(root, source))

    def chunks(self, folder: str | Path | None = None, source: str | None = None) -> Iterator[Chunk]:
        self._check_open()
        self._follow_store()
        root = _root(folder) if folder is not None else None
        return self.manifest.iter_chunks(root, source)

    def _check_open(self) -> None:
        if self.closed:
            raise StoreError(f"this assistant's store {self.store_dir} was closed: open it again with Assistant.open")

    def close(self) -> None:
        self.closed = True
        self.manifest.close()
        if self.owns_vectors:
            self.vectors.close()


def _root(folder: str | Path) -> str:
    """How the manifest names an ingested folder: its absolute path."""
    return str(Path(folder).expanduser().resolve())


def _tqdm_progress() -> ProgressFn | None:
    if not sys.stderr.isatty():
        return None
    from tqdm import tqdm

    bar: list = []

    def update(done: int, total: int) -> None:
        if not bar:
            bar.append(tqdm(total=total, unit="article", desc="ingest"))
        bar[0].n = done
        bar[0].refresh()
        if done >= total:
            bar[0].close()

    return update
