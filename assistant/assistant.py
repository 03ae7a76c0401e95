"""The public object: `Assistant.open(store)`, then `ingest`, `search`, `ask`."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import shutil
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import filelock
import numpy as np

from .answering.boilerplate import StatsCache
from .answering.extractive import ExtractiveAnswerer, not_covered, split_units
from .answering.grounded import GroundedAnswerer
from .answering.llm import resolve_llm
from .answering.safety import urgent_notice
from .config import Settings
from .embedding.embedder import Embedder, load_embedder
from .errors import AssistantError, ModelMismatchError, QuestionError, StoreError
from .ingest.chunking import Chunker
from .ingest.manifest import Manifest
from .ingest.sync import Syncer, resolve_folder, timed
from .search.conversation import chat_turns
from .search.intent import question_focus, question_kind, unaddressed
from .search.keyword import KeywordIndex, index_text
from .search.questions import clean_question
from .search.retrieval import Retriever, route
from .search.store import VectorIndexError, VectorStore
from .types import Answer, Article, ArticleInfo, CheckReport, Chunk, Hit, IngestReport

if TYPE_CHECKING:
    from .lc_retriever import AssistantRetriever

log = logging.getLogger(__name__)

ProgressFn = Callable[[int, int], None]

PROBE_CHUNKS = 32
"""Chunks re-embedded to check that another backend reproduces a store's vectors."""
COMPATIBLE_COSINE = 0.99
"""Mean cosine the probe must reach for vectors of two backends to share a store."""


class Assistant:
    """A store of embedded articles that answers questions with citations.

    Safe to share between threads for `search` and `ask`; `ingest` is serialised per store by
    an OS-level lock (another process's ingest is picked up on the next query).
    """

    def __init__(self, settings: Settings, embedder: Embedder, vectors: VectorStore, manifest: Manifest, llm=None):
        self.settings = settings
        self.embedder = embedder
        self.vectors = vectors
        self.manifest = manifest
        self.llm = llm
        backend = resolve_llm(llm, settings.llm, settings.llm_timeout)
        self.grounded = GroundedAnswerer(backend) if backend is not None else None
        """Answers with a language model (ASSISTANT_LLM or `llm=`); None = extractive only."""
        self.chunker = Chunker(embedder.count_tokens, embedder.max_tokens, settings.chunk_tokens, settings.chunk_overlap)
        self._keyword = KeywordIndex([], None, -1)
        self._refresh_lock = threading.RLock()
        self._ingest_lock = threading.Lock()
        self.retriever = Retriever(settings, embedder, vectors, manifest, lambda: self._keyword)
        self.answerer = ExtractiveAnswerer(embedder, settings.answer_passages, settings.answer_sentences)
        self.stats = StatsCache(lambda: self._keyword, manifest, lambda text: (u.text for u in split_units(text)))
        """Boilerplate sentences of the store (assistant/answering/boilerplate.py), measured once per generation."""
        self._owns_vectors = False
        self._repaired_on_open: list[str] = []
        """Repairs made while opening (a damaged vector index rebuilt): reported by `check`."""
        self._check_model()
        self._check_vectors()
        self._refresh()

    # --- construction -----------------------------------------------------------------------

    @classmethod
    def open(
        cls,
        store: str | Path | None = None,
        *,
        settings: Settings | None = None,
        embedder: Embedder | None = None,
        vector_store: VectorStore | None = None,
        llm=None,
        rebuild: bool = False,
    ) -> Assistant:
        """Open (or create) the store. `rebuild=True` empties it first (after a model change)."""
        settings = settings or Settings.from_env()
        if store is not None:
            settings = settings.with_(store=Path(store))
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
            with _store_lock(store_dir):
                _wipe(store_dir, settings, vector_store)
        # (VectorStore guards each Chroma call against other processes itself: see assistant/search/store.py)
        repaired: list[str] = []
        try:
            vectors = vector_store or VectorStore(
                path=store_dir / "chroma", host=settings.chroma_host, port=settings.chroma_port,
                collection=settings.collection, read_only=read_only,
            )
        except VectorIndexError as exc:
            if read_only:
                raise
            manifest = Manifest(store_dir / "manifest.sqlite3")
            vectors, repaired = _rebuild_damaged_index(store_dir, settings, embedder, manifest, exc)
        else:
            manifest = Manifest(store_dir / "manifest.sqlite3", read_only=read_only)
        bot = cls(settings, embedder, vectors, manifest, llm=llm)
        bot._owns_vectors = vector_store is None
        bot._repaired_on_open = repaired
        return bot

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

    def _check_model(self) -> None:
        stored_model, stored_dim = self.manifest.get_meta("model"), self.manifest.get_meta("dim")
        if (stored_model is None or self.manifest.count_chunks() == 0) and not self.manifest.read_only:
            with self.manifest.write() as db:
                self.manifest.set_meta(db, "model", self.embedder.name)
                self.manifest.set_meta(db, "dim", str(self.embedder.dim))
                self.manifest.set_meta(db, "backend", self.embedder.backend)
                self.manifest.set_meta(db, "model_file", getattr(self.embedder, "model_file", ""))
                self.manifest.set_meta(db, "compatible", "[]")
            return
        if stored_model != self.embedder.name or stored_dim != str(self.embedder.dim):
            raise ModelMismatchError(
                f"the store {self.store_dir} was built with the embedding model {stored_model!r} "
                f"(dimension {stored_dim}), but the current settings use {self.embedder.name!r} "
                f"(dimension {self.embedder.dim}). Run `python ingest.py --rebuild` to re-embed the articles, "
                f"or set ASSISTANT_MODEL={stored_model}."
            )
        self._check_backend()

    def _check_vectors(self) -> None:
        """A store whose manifest and vector store disagree wholesale was damaged outside an ingest
        (a deleted Chroma folder or manifest): refuse it with the fix rather than look empty."""
        if self.manifest.journal():
            return  # an interrupted ingest: the next ingest finishes it
        chunks, vectors = self.manifest.count_chunks(), self.vectors.count()
        if chunks and not vectors:
            raise StoreError(
                f"the vector store {self.vectors.where} is empty or missing, but the manifest of {self.store_dir} "
                f"lists {chunks} chunks (was the Chroma folder deleted or replaced?). "
                "Run `python ingest.py --rebuild` to re-embed the articles."
            )
        if vectors and not chunks:
            raise StoreError(
                f"the manifest of {self.store_dir} is empty or missing, but the vector store {self.vectors.where} "
                f"holds {vectors} vectors (was manifest.sqlite3 deleted?). "
                "Run `python ingest.py --rebuild` to start the store afresh."
            )

    def _check_backend(self) -> None:
        """Vectors of another backend (torch / onnx int8) may share the store only if they agree:
        re-embed a probe of the store's own chunks and compare with the stored vectors."""
        stored = f"{self.manifest.get_meta('backend')}:{self.manifest.get_meta('model_file') or ''}"
        current = f"{self.embedder.backend}:{getattr(self.embedder, 'model_file', '')}"
        accepted = json.loads(self.manifest.get_meta("compatible") or "[]")
        if current == stored or current in accepted:
            return
        rows = self.manifest.read().execute(
            "SELECT id, embedded_text FROM chunks ORDER BY id LIMIT ?", (PROBE_CHUNKS,)
        ).fetchall()
        old = self.vectors.vectors([r[0] for r in rows])
        probe = [(i, t) for i, t in rows if i in old]
        cosine = 0.0
        if probe:
            new = self.embedder.embed_documents([t for _, t in probe])
            cosine = float(np.mean([float(old[i] @ v) for (i, _), v in zip(probe, new, strict=True)]))
        if cosine < COMPATIBLE_COSINE:
            raise ModelMismatchError(
                f"the store {self.store_dir} was embedded with the {stored.split(':')[0]!r} backend and the current "
                f"{self.embedder.backend!r} backend does not reproduce its vectors (mean cosine {cosine:.3f} on "
                f"{len(probe)} probe chunks, {COMPATIBLE_COSINE} needed). Run `python ingest.py --rebuild` to "
                f"re-embed the articles, or set ASSISTANT_EMBED_BACKEND={stored.split(':')[0]}."
            )
        log.info("backend %s is compatible with the store (mean cosine %.4f on %d chunks)", current, cosine, len(probe))
        if self.manifest.read_only:
            return
        with self.manifest.write() as db:
            self.manifest.set_meta(db, "compatible", json.dumps(sorted({*accepted, current})))

    # --- keeping up with other processes ------------------------------------------------------

    def _refresh(self) -> None:
        """Reload the keyword index (and Chroma's view) if another ingest changed the store."""
        generation = self.manifest.generation
        if generation == self._keyword.generation:
            return
        with self._refresh_lock:
            if generation == self._keyword.generation:
                return
            first = self._keyword.generation < 0
            if self._ingest_lock.locked() and not first:
                return  # our own ingest is running: it installs the new index when it is done
            with _try_store_lock(self.store_dir) as free:  # held so no ingest starts mid-reload
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

    @property
    def _keyword_dir(self) -> Path:
        return self.store_dir / "keyword"

    def _build_keyword(self, generation: int) -> KeywordIndex:
        ids, texts = [], []
        for c in self.manifest.iter_chunks():
            ids.append(c.id)
            texts.append(index_text(c.title, c.section, c.text))
        return KeywordIndex.build(ids, texts, generation)

    # --- ingest -----------------------------------------------------------------------------

    def ingest(
        self, folders: Sequence[str | Path] | str | Path, *, rebuild: bool = False, progress: ProgressFn | None = None
    ) -> IngestReport:
        """Sync each folder into the store (add new, replace changed, remove deleted articles)."""
        if isinstance(folders, str | Path):
            folders = [folders]
        roots = [resolve_folder(f) for f in folders]  # fail before touching anything
        self._writable()
        report = IngestReport()
        with self._ingest_lock, _store_lock(self.store_dir):
            if rebuild:
                self._wipe_locked()
            syncer = Syncer(self.manifest, self.vectors, self.embedder, self.chunker, progress or _tqdm_progress(),
                            max_file_bytes=self.max_file_bytes)

            def run() -> None:
                syncer.recover()
                syncer.reconcile()
                for root in roots:
                    syncer.sync(root, report)
                self._save_keyword()

            timed(run, report)
        log.info("ingest done: %s", report)
        return report

    def check(self, repair: bool = True) -> CheckReport:
        """Verify the store without syncing any folder: every manifest chunk has a vector that a dense
        query for it reaches, and every vector has a chunk. With `repair`, an interrupted ingest is
        finished, missing or unreachable vectors are re-added from the manifest and a damaged index
        is rebuilt from it; `CheckReport.problems` lists what could not be repaired."""
        if repair and self.manifest.read_only:
            repair = False  # a read-only store can be checked, not repaired
        with self._ingest_lock, _store_lock(self.store_dir, wait=repair):
            syncer = Syncer(self.manifest, self.vectors, self.embedder, self.chunker)
            journal = len(self.manifest.journal())
            if repair:
                syncer.replay()
            report = syncer.checker().run(repair=repair)
            report.repaired[:0] = self._repaired_on_open
            if journal:
                (report.repaired if repair else report.problems).append(
                    f"{'finished' if repair else 'unfinished:'} an interrupted ingest ({journal} journal entries)")
            if repair:
                self._save_keyword()
        log.info("check done: %s", report)
        return report

    def remove(self, folder: str | Path, source: str) -> bool:
        """Drop one article from the store (the file is left alone). False if it was not there."""
        root = str(Path(folder).expanduser().resolve())
        self._writable()
        with self._ingest_lock, _store_lock(self.store_dir):
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
        index.save(self._keyword_dir)
        self._keyword = index

    def _wipe_locked(self) -> None:
        self.vectors.drop()
        with self.manifest.write() as db:
            for table in ("chunks", "articles", "journal"):
                db.execute(f"DELETE FROM {table}")  # noqa: S608 - fixed names
            db.execute("UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key='generation'")
        shutil.rmtree(self._keyword_dir, ignore_errors=True)
        self._check_model()

    # --- questions --------------------------------------------------------------------------

    def search(self, query: str, k: int = 5) -> list[Hit]:
        """The best k passages for the query, best first (never refuses)."""
        q, _ = clean_question(query, self.settings.max_question_chars)
        if not q:
            return []
        self._refresh()
        return self.retriever.search(q, k)

    def as_retriever(self, k: int = 5) -> AssistantRetriever:
        """This store as a LangChain retriever (`langchain_core` BaseRetriever) returning the top `k` passages
        of `search` as Documents; see assistant/lc_retriever.py."""
        from .lc_retriever import AssistantRetriever

        return AssistantRetriever(assistant=self, k=k)

    def ask(self, question: str, k: int | None = None, *, history: Any = None) -> Answer:
        """A cited Markdown answer, or a plain 'not covered' answer naming the closest articles.

        With a language model configured the model writes the answer from the passages and its
        citations are checked (falling back to the extractive answer, with a note, when it fails or
        cites nothing valid). `history` (Gradio chat messages or (user, assistant) pairs) turns a
        follow-up into a standalone question."""
        asked = self._prepare(question, k, history)
        if not asked.covered:
            answer = not_covered(asked.q, asked.hits)
        elif self.grounded is not None:
            answer = self.grounded.answer(asked.q, asked.hits, asked.extractive, asked.deadline)
        else:
            answer = asked.extractive()
        return self._finish(answer, question, asked)

    def ask_stream(self, question: str, history: Any = None, *, k: int | None = None) -> Iterator[str | Answer]:
        """`ask`, streamed: text pieces as the language model writes them, then the final checked
        Answer, whose text replaces the pieces (it may differ: markers renumbered or removed, or the
        extractive answer after a failure). Without a language model: the answer text, then the Answer."""
        asked = self._prepare(question, k, history)
        if asked.covered and self.grounded is not None:
            for item in self.grounded.stream(asked.q, asked.hits, asked.extractive, asked.deadline):
                yield self._finish(item, question, asked) if isinstance(item, Answer) else item
            return
        answer = asked.extractive() if asked.covered else not_covered(asked.q, asked.hits)
        answer = self._finish(answer, question, asked)
        yield answer.text
        yield answer

    def _prepare(self, question: str, k: int | None, history: Any) -> _Asked:
        q, notes = clean_question(question, self.settings.max_question_chars)
        if not q:
            raise QuestionError("Please type a question: it is empty.")
        deadline = time.monotonic() + self.grounded.backend.timeout if self.grounded is not None else None
        turns = chat_turns(history)
        if turns:
            q = self._standalone(q, turns, history, deadline, notes)
        self._refresh()
        qv = self.embedder.embed_query(q)
        hits = self.retriever.search(
            q, k or max(8, self.settings.answer_passages), query_vector=qv,
            per_article=self.settings.answer_per_article,
        )
        covered = self._covered(q, hits, qv)
        kind = question_kind(q)
        passages, doctor = (
            route(self.retriever, kind, hits, qv, self.settings.answer_passages) if covered else (hits, None)
        )
        stats = self.stats()

        def extractive() -> Answer:
            return self.answerer.answer(q, passages, qv, kind=kind, stats=stats, doctor=doctor)

        return _Asked(q, notes, passages, covered, extractive, deadline)

    def _covered(self, q: str, hits: list[Hit], qv: np.ndarray | None = None) -> bool:
        """Whether the articles answer the question: the best passage is close to the question
        (cosine) *and* to what the question is about, its focus without the frame ("head lice"
        of "how do I treat head lice?"): a question about something the articles never discuss
        still lands near the articles on its neighbours, but its focus does not."""
        best, focus = self.evidence(q, hits, qv)
        return best >= self.settings.min_score and best + focus >= self.settings.min_evidence

    def evidence(self, q: str, hits: list[Hit], qv: np.ndarray | None = None) -> tuple[float, float]:
        """(best cosine of question and passage, best cosine of the question's focus and the first
        passages): what `ask` decides coverage on (the eval harness reports both). `qv`, the
        question's vector, serves as the focus vector when the question has no frame words."""
        best = max((h.dense_score for h in hits if h.dense_score is not None), default=0.0)
        if best < self.settings.min_score:
            return best, 0.0
        top = [h.chunk_id for h in hits[: self.settings.answer_passages] if h.chunk_id]
        focus_text = question_focus(q)
        fv = qv if qv is not None and focus_text == q else self.embedder.embed_query(focus_text)
        focus = max((float(v @ fv) for v in self.vectors.vectors(top).values()), default=0.0)
        log.debug("coverage of %r: best cosine %.3f, focus %.3f", q, best, focus)
        return best, focus

    def _standalone(
        self, q: str, turns: list[tuple[str, str]], history: Any, deadline: float | None, notes: list[str]
    ) -> str:
        """A follow-up made standalone: by the language model if there is one (given at most half
        the time budget), else (or when it fails) by folding in the conversation without an LLM."""
        if self.grounded is not None and deadline is not None:
            budget = min(deadline, time.monotonic() + self.grounded.backend.timeout / 2)
            standalone = self.grounded.condense(q, turns, budget)
            if standalone:
                standalone, _ = clean_question(standalone, self.settings.max_question_chars)
            if standalone:
                if standalone.casefold() != q.casefold():
                    notes.append(f"Read as: {standalone}")
                return standalone
        return _fold_without_llm(q, history)

    def _finish(self, answer: Answer, question: str, asked: _Asked) -> Answer:
        answer.question = question if len(question) <= self.settings.max_question_chars else asked.q
        answer.notes = asked.notes + answer.notes
        notice = urgent_notice(question) or urgent_notice(asked.q)  # the question as asked, or as folded
        if notice and not answer.text.startswith(notice):
            answer.text = f"{notice}\n\n{answer.text}"
        if answer.covered:  # who the question is about, when no cited passage speaks of them
            cited = {(c.root, c.source, c.position) for c in answer.citations}
            passages = [h.text for h in answer.hits if (h.root, h.source, h.position) in cited]
            for qualifier in unaddressed(f"{question}\n{asked.q}", passages):
                if qualifier.note not in answer.text:
                    answer.text += f"\n\n{qualifier.note}"
        return answer

    # --- inspection -------------------------------------------------------------------------

    def articles(self) -> list[ArticleInfo]:
        return self.manifest.article_infos()

    def article(self, folder: str | Path, source: str) -> Article:
        """The whole text of an ingested article (re-read from its file, else from the stored chunks)."""
        from .ingest.fulltext import load_article

        root = str(Path(folder).expanduser().resolve())
        if (root, source) not in self.manifest.stored_articles(root):
            raise AssistantError(f"{source!r} from {root} is not in the store")
        return load_article(root, source, self.manifest.iter_chunks(root, source))

    def chunks(self, folder: str | Path | None = None, source: str | None = None) -> Iterator[Chunk]:
        root = str(Path(folder).expanduser().resolve()) if folder is not None else None
        return self.manifest.iter_chunks(root, source)

    def close(self) -> None:
        self.manifest.close()
        if self._owns_vectors:
            self.vectors.close()

    def __enter__(self) -> Assistant:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


@dataclass
class _Asked:
    """A question after cleaning and retrieval, before it is answered."""

    q: str
    notes: list[str]
    hits: list[Hit]
    covered: bool
    extractive: Callable[[], Answer]
    deadline: float | None = None
    """time.monotonic() by which the language model must be done (ASSISTANT_LLM_TIMEOUT)."""


def _fold_without_llm(question: str, history: Any) -> str:
    """The no-LLM follow-up folding of assistant/search/conversation.py (the app's), when present."""
    try:
        from .search import conversation
    except ImportError:
        return question
    fold = getattr(conversation, "standalone_query", None)
    return fold(question, history) if callable(fold) else question


def _store_lock(store_dir: Path, wait: bool = True) -> filelock.FileLock | contextlib.nullcontext:
    if not wait:
        return contextlib.nullcontext()
    lock = filelock.FileLock(str(store_dir / "ingest.lock"))
    try:
        lock.acquire(timeout=0)
        lock.release()
    except filelock.Timeout:
        log.warning("another ingest is running on %s: waiting for it to finish", store_dir)
    return lock


@contextlib.contextmanager
def _try_store_lock(store_dir: Path) -> Iterator[bool]:
    """Hold the store's ingest lock if it is free (yields True), else yield False at once."""
    lock = filelock.FileLock(str(store_dir / "ingest.lock"))
    try:
        lock.acquire(timeout=0)
    except filelock.Timeout:
        yield False
        return
    except OSError:  # a read-only store: no ingest can change it from here either
        yield True
        return
    try:
        yield True
    finally:
        lock.release()


def _rebuild_damaged_index(
    store_dir: Path, settings: Settings, embedder: Embedder, manifest: Manifest, exc: VectorIndexError
) -> tuple[VectorStore, list[str]]:
    """Chroma's index files are damaged (a kill inside its save, or by hand): empty the index and embed
    the manifest's chunks again. Refused (the original error, naming --rebuild) when the manifest
    was built with another model, or when the store cannot be written."""
    if manifest.get_meta("model") not in (None, embedder.name) or manifest.get_meta("dim") not in (None, str(embedder.dim)):
        raise exc
    log.warning("%s: rebuilding it from the manifest", exc)
    try:
        with _store_lock(store_dir):
            vectors = VectorStore(path=store_dir / "chroma", collection=settings.collection, reset=True)
            from .ingest.check import StoreChecker
            from .types import CheckReport as _Report

            report = _Report()
            StoreChecker(manifest, vectors, embedder).rebuild(report, str(exc))
    except (OSError, StoreError) as err:
        raise StoreError(f"{exc} (rebuilding it failed: {err})") from err
    if report.problems:
        raise StoreError(f"{exc} (rebuilding it failed: {'; '.join(report.problems)})")
    return vectors, report.repaired


def _wipe(store_dir: Path, settings: Settings, vector_store: VectorStore | None) -> None:
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


__all__ = ["Assistant", "AssistantError"]
