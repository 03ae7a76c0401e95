"""The public object: `Assistant.open(store)`, then `ingest`, `search`, `ask`.

A thin façade over two parts: the store's life cycle (`assistant/library/`: opening, probes, keeping
up with other processes, the locks, ingest / check / remove) and asking (`assistant/answering/asking.py`:
search, ask, streaming, follow-ups). Its methods and attributes are the public API.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from .answering.asking import Asker, load_grounded
from .answering.boilerplate import StatsCache
from .answering.compose import Composer
from .answering.grounded import GroundedAnswerer
from .config import Settings
from .embedding.embedder import Embedder, load_embedder
from .errors import AssistantError
from .history import History
from .ingest.chunking import Chunker
from .library import Library, open_store
from .library.library import ProgressFn
from .response import Response
from .search.retrieval import Retriever
from .store.manifest import Manifest
from .store.vectors import VectorStore
from .types import Answer, Article, ArticleInfo, CheckReport, Chunk, Hit, IngestReport

if TYPE_CHECKING:
    from .lc_retriever import AssistantRetriever


class Assistant:
    """A store of embedded articles that answers questions with citations.

    Safe to share between threads for `search` and `ask`; `ingest` is serialised per store by
    an OS-level lock (another process's ingest is picked up on the next query).
    """

    def __init__(
        self, settings: Settings, embedder: Embedder, vectors: VectorStore, manifest: Manifest, llm=None, *,
        owns_vectors: bool = False, repaired_on_open: Sequence[str] = (),
    ):
        """`owns_vectors`: close the vector store with the assistant; `repaired_on_open`: repairs made while
        opening the store, reported by `check` (both set by `open`)."""
        self.llm = llm
        grounded = load_grounded(llm, settings)  # a misconfigured model fails before the store is probed
        self.library = Library(
            settings, embedder, vectors, manifest, owns_vectors=owns_vectors, repaired_on_open=repaired_on_open
        )
        """The store's life cycle: see assistant/library/."""
        self.asker = Asker(self.library, grounded)
        """Search and answers: see assistant/answering/asking.py."""

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
        opened = open_store(settings, embedder=embedder, vector_store=vector_store, rebuild=rebuild,
                            load_embedder=load_embedder)
        return cls(settings, opened.embedder, opened.vectors, opened.manifest, llm=llm,
                   owns_vectors=vector_store is None, repaired_on_open=opened.repaired)

    # --- the store (assistant/library/) -------------------------------------------------------

    @property
    def settings(self) -> Settings:
        return self.library.settings

    @property
    def embedder(self) -> Embedder:
        return self.library.embedder

    @property
    def vectors(self) -> VectorStore:
        return self.library.vectors

    @property
    def manifest(self) -> Manifest:
        return self.library.manifest

    @property
    def chunker(self) -> Chunker:
        return self.library.chunker

    @property
    def read_only(self) -> bool:
        """The store cannot be written (read-only disk or permissions): it answers, ingest and remove refuse."""
        return self.library.read_only

    @property
    def max_file_bytes(self) -> int:
        return self.library.max_file_bytes

    @property
    def store_dir(self) -> Path:
        return self.library.store_dir

    def ingest(
        self, folders: Sequence[str | Path] | str | Path, *, rebuild: bool = False, progress: ProgressFn | None = None
    ) -> IngestReport:
        """Sync each folder into the store (add new, replace changed, remove deleted articles)."""
        return self.library.ingest(folders, rebuild=rebuild, progress=progress)

    def check(self, repair: bool = True) -> CheckReport:
        """Verify the store without syncing any folder: every manifest chunk has a vector that a dense
        query for it reaches, and every vector has a chunk. With `repair`, an interrupted ingest is
        finished, missing or unreachable vectors are re-added from the manifest and a damaged index
        is rebuilt from it; `CheckReport.problems` lists what could not be repaired."""
        return self.library.check(repair)

    def remove(self, folder: str | Path, source: str) -> bool:
        """Drop one article from the store (the file is left alone). False if it was not there."""
        return self.library.remove(folder, source)

    def articles(self) -> list[ArticleInfo]:
        return self.library.articles()

    def article(self, folder: str | Path, source: str) -> Article:
        """The whole text of an ingested article (re-read from its file, else from the stored chunks)."""
        return self.library.article(folder, source)

    def chunks(self, folder: str | Path | None = None, source: str | None = None) -> Iterator[Chunk]:
        return self.library.chunks(folder, source)

    def close(self) -> None:
        self.library.close()

    def __enter__(self) -> Assistant:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # --- questions (assistant/answering/asking.py) ----------------------------------------------

    @property
    def grounded(self) -> GroundedAnswerer | None:
        """Answers with a language model (ASSISTANT_LLM or `llm=`); None = extractive only."""
        return self.asker.grounded

    @property
    def retriever(self) -> Retriever:
        return self.asker.retriever

    @property
    def answerer(self) -> Composer:
        return self.asker.answerer

    @property
    def stats(self) -> StatsCache:
        """Boilerplate sentences of the store (assistant/answering/boilerplate.py), measured once per generation."""
        return self.asker.stats

    def search(self, query: str, k: int | None = 5) -> list[Hit]:
        """The best k passages for the query, best first (never refuses)."""
        return self.asker.search(query, k)

    def ask(
        self,
        question: str,
        k: int | None = None,
        *,
        history: History | None = None,
        source: str | None = None,
        stream: bool = False,
    ) -> Response:
        """A cited Markdown answer, or a plain 'not covered' answer naming the closest articles, as a `Response`
        (assistant/response.py): read `.text`, `.citations`, `.covered` (any field of `Answer`; `.answer()` gives
        the Answer itself). With `stream=True` it returns once the question is searched, and the answer is
        written as the Response is read: iterate it for the text pieces as they come (the fields wait until it
        is done). Either way an empty question raises QuestionError before `ask` returns.

        With a language model configured the model writes the answer from the passages and its
        citations are checked (falling back to the extractive answer, with a note, when it fails or
        cites nothing valid). `history` (the earlier questions as strings, or `Turn`s) turns a follow-up
        into a standalone question. `source` (an article's file as citations name it, such as
        one a refused answer offers) answers from that article, without the coverage decision."""
        return self.asker.ask(question, k, history=history, source=source, stream=stream)

    def ask_stream(
        self, question: str, history: History | None = None, *, k: int | None = None, source: str | None = None
    ) -> Iterator[str | Answer]:
        """Deprecated (kept one release): iterate `ask(..., stream=True)` instead. Yields the urgent notice and the text pieces,
        then the final checked Answer, whose text replaces the pieces (it may differ: markers renumbered or
        removed, or the extractive answer after a failure)."""
        yield from self.asker.ask_stream(question, history, k=k, source=source)

    def evidence(self, q: str, hits: list[Hit], qv: np.ndarray | None = None) -> tuple[float, float]:
        """(best cosine of question and passage, best cosine of the question's focus and the first
        passages): the cosines `ask` decides coverage on, before it checks that the question does not
        rest on a word no article uses (assistant/answering/coverage.py). `qv`, the question's vector,
        serves as the focus vector when the question has no frame words."""
        return self.asker.evidence(q, hits, qv)

    def as_retriever(self, k: int = 5) -> AssistantRetriever:
        """This store as a LangChain retriever (`langchain_core` BaseRetriever) returning the top `k` passages
        of `search` as Documents; see assistant/lc_retriever.py."""
        from .lc_retriever import AssistantRetriever

        return AssistantRetriever(assistant=self, k=k)


__all__ = ["Assistant", "AssistantError"]
