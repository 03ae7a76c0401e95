"""`Asker`: questions against a `Library` — search, ask (extractive, or written by a language model
and checked), streaming, and follow-ups made standalone."""

from __future__ import annotations

import logging
import operator
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import numpy as np

from ..config import Settings
from ..errors import QuestionError
from ..history import History, as_turns
from ..response import Response, body
from ..search.conversation import fold_question
from ..search.intent import question_kind
from ..search.questions import clean_question
from ..search.retrieval import Retriever, as_hit
from ..types import Answer, Hit, Refusal, Turn
from .boilerplate import StatsCache
from .compose import Composer
from .coverage import Coverage, StoreWords
from .extractive import ExtractiveAnswerer, not_covered
from .grounded import GroundedAnswerer
from .llm import resolve_llm
from .routing import route
from .safety import unaddressed, urgent_notice
from .spelling import Spelling
from .units import split_units

if TYPE_CHECKING:
    from ..library import Library

log = logging.getLogger(__name__)


def load_grounded(llm: Any, settings: Settings) -> GroundedAnswerer | None:
    """The language-model answerer for `llm=` or ASSISTANT_LLM; None = extractive answers only."""
    backend = resolve_llm(llm, settings.llm, settings.llm_timeout)
    return GroundedAnswerer(backend) if backend is not None else None


class Asker:
    """Answers questions from a library's passages; safe to share between threads.

    Each question first brings the library up to date with other processes' ingests (`refresh`)."""

    def __init__(self, library: Library, grounded: GroundedAnswerer | None):
        self.library = library
        self.settings = library.settings
        self.embedder = library.embedder
        self.vectors = library.vectors
        self.grounded = grounded
        """Answers with a language model (ASSISTANT_LLM or `llm=`); None = extractive only."""
        self.retriever = Retriever(
            self.settings, self.embedder, self.vectors, library.manifest, library.keyword, library.generations
        )
        self.answerer = Composer(
            self.embedder,
            ExtractiveAnswerer(self.embedder, self.settings.answer_passages, self.settings.answer_sentences),
            self.settings.answer_words,
        )
        self.stats = StatsCache(library.generations, library.manifest, lambda text: (u.text for u in split_units(text)))
        """Boilerplate sentences of the store (assistant/answering/boilerplate.py), measured once per generation."""
        self.coverage = Coverage(
            self.settings,
            self.embedder,
            self.vectors,
            self.retriever.headings,
            StoreWords(library.generations, library.manifest),
        )
        """Whether the articles cover a question (assistant/answering/coverage.py)."""
        self.spelling = Spelling(self.retriever.headings, library.generations, library.manifest)
        """Misspelt words read as the articles' words ("bruse" -> "bruise"; assistant/answering/spelling.py)."""

    def search(self, query: str, k: int | None = 5) -> list[Hit]:
        """The best k passages for the query, best first (never refuses)."""
        k = passages_wanted(k, 5)
        q, _ = clean_question(query, self.settings.max_question_chars)
        if not q:
            return []
        self.library.refresh()
        return self.retriever.search(self._spelled(q, []), k)

    def ask(
        self,
        question: str,
        k: int | None = None,
        *,
        history: History | None = None,
        source: str | None = None,
        stream: bool = False,
    ) -> Response:
        """`Assistant.ask` (documented there): prepared now (cleaned, searched, coverage decided), then answered
        at once (`stream=False`: one request to a language model), or as the Response is read (`stream=True`)."""
        asked = self._prepare(question, k, history, source)
        response = Response(
            lambda: self._stream(question, asked),
            lambda: self._complete(question, asked),
            notice=asked.notice,
            searched=asked.q,
        )
        if not stream:
            response.answer()
        return response

    def ask_stream(
        self, question: str, history: History | None = None, *, k: int | None = None, source: str | None = None
    ) -> Iterator[str | Answer]:
        """`ask`, as the generator of before `Response` (kept one release): the urgent notice (as its own first
        piece) and the text pieces, then the finished Answer, whose text replaces the pieces."""
        response = self.ask(question, k, history=history, source=source, stream=True)
        if response.notice:
            yield f"{response.notice}\n\n"
        yield from response
        yield response.answer()

    def _complete(self, question: str, asked: _Asked) -> Answer:
        """The answer in one go: extractive, written by the language model (one request), or 'not covered'."""
        if not asked.covered:
            answer = self._refused(asked)
        elif self.grounded is not None:
            answer = self.grounded.answer(asked.q, asked.hits, asked.extractive, asked.deadline)
        else:
            answer = asked.extractive()
        return self._finish(answer, question, asked)

    def _stream(self, question: str, asked: _Asked) -> Iterator[str | Answer]:
        """Text pieces as the language model writes them, then the finished Answer; without a model (or for
        'not covered') the answer's text after its notice as one piece, then the Answer."""
        if asked.covered and self.grounded is not None:
            for item in self.grounded.stream(asked.q, asked.hits, asked.extractive, asked.deadline):
                yield self._finish(item, question, asked) if isinstance(item, Answer) else item
            return
        answer = self._finish(asked.extractive() if asked.covered else self._refused(asked), question, asked)
        yield body(answer)
        yield answer

    def _refused(self, asked: _Asked) -> Answer:
        return not_covered(asked.q, asked.hits, asked.absent, min_score=self.settings.offer_min_score)

    def _prepare(self, question: str, k: int | None, history: History | None, source: str | None = None) -> _Asked:
        k = passages_wanted(k, max(8, self.settings.answer_passages))
        q, notes = clean_question(question, self.settings.max_question_chars)
        if not q:
            raise QuestionError("Please type a question: it is empty.")
        deadline = time.monotonic() + self.grounded.backend.timeout if self.grounded is not None else None
        turns = as_turns(history)
        if turns:
            q = self._standalone(q, turns, deadline, notes)
        self.library.refresh()
        q = self._spelled(q, notes)
        qv = self.embedder.embed_query(q)
        refusal = None
        if source is not None:  # the article the person chose ("Did you mean ...?"): answered from it
            hits = self._article_passages(source, qv, k)
        else:
            hits = self.retriever.search(q, k, query_vector=qv, per_article=self.settings.answer_per_article)
            refusal = self.coverage.refusal(q, hits, qv)
        kind = question_kind(q)
        passages, article = (
            route(self.retriever, kind, hits, qv, self.settings.answer_passages, f"{question}\n{q}")
            if refusal is None
            else (hits, [])
        )
        stats = self.stats()

        stored = self.vectors.vectors([c.id for c in article]) if article else {}
        cosines = {cid: float(v @ qv) for cid, v in stored.items()}

        def extractive() -> Answer:
            return self.answerer.answer(
                q, passages, article, qv, kind=kind, stats=stats, groups_in=question, cosines=cosines
            )

        notice = urgent_notice(question) or urgent_notice(q) or ""  # the question as asked, or as folded
        return _Asked(q, notes, passages, extractive, deadline, refusal, notice)

    def _spelled(self, q: str, notes: list[str]) -> str:
        """The question with its misspelt words corrected (Settings.spelling), each correction noted."""
        if not self.settings.spelling:
            return q
        corrected, fixed = self.spelling.correct(q)
        notes.extend(f"Read “{c.typed}” as “{c.read_as}”." for c in fixed)
        return corrected

    def _article_passages(self, source: str, qv: np.ndarray, k: int) -> list[Hit]:
        """The passages of one article (by its `source`, as citations and offers name it), closest to the
        question first; a QuestionError when no ingested article has that source."""
        chunks = [c for c in self.library.manifest.iter_chunks() if c.source == source]
        if not chunks:
            raise QuestionError(f"No article {source!r} in the store: pass a source as the answer's citations name it.")
        roots = {c.root for c in chunks}
        if len(roots) > 1:  # the same file name in two folders: the first folder's
            chunks = [c for c in chunks if c.root == min(roots)]
        vectors = self.vectors.vectors([c.id for c in chunks])
        scored = sorted(chunks, key=lambda c: -float(vectors[c.id] @ qv) if c.id in vectors else 1.0)
        return [as_hit(c, float(vectors[c.id] @ qv) if c.id in vectors else None) for c in scored[:k]]

    def evidence(self, q: str, hits: list[Hit], qv: np.ndarray | None = None) -> tuple[float, float]:
        """(best cosine of question and passage, best cosine of the question's focus and the first
        passages): the cosines `ask` decides coverage on, before the absent-word check (`Coverage`)."""
        return self.coverage.evidence(q, hits, qv)

    def _standalone(self, q: str, turns: list[Turn], deadline: float | None, notes: list[str]) -> str:
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
        return fold_question(q, turns)

    def _finish(self, answer: Answer, question: str, asked: _Asked) -> Answer:
        """The Answer as every interface shows it, complete: the question, the notes, the qualifier notes of a
        model's answer, the urgent notice, the question as searched and why it was refused."""
        text, qualifier_notes = answer.text, answer.qualifier_notes
        if answer.covered and answer.backend != "extractive":  # a model's answer: the group note first
            cited = {(c.root, c.source, c.position) for c in answer.citations}
            passages = [h.text for h in answer.hits if (h.root, h.source, h.position) in cited]
            notes = [q.note for q in unaddressed(f"{question}\n{asked.q}", passages) if q.note not in text]
            if notes:
                text, qualifier_notes = "\n\n".join([*notes, text]), notes
        if asked.notice and not text.startswith(asked.notice):
            text = f"{asked.notice}\n\n{text}"
        return replace(
            answer,
            question=question if len(question) <= self.settings.max_question_chars else asked.q,
            text=text,
            notes=asked.notes + answer.notes,
            notice=asked.notice,
            searched=asked.q,
            refusal=None if answer.covered else asked.refusal or Refusal("nothing to quote"),
            qualifier_notes=qualifier_notes,
        )


@dataclass
class _Asked:
    """A question after cleaning and retrieval, before it is answered."""

    q: str
    notes: list[str]
    hits: list[Hit]
    extractive: Callable[[], Answer]
    deadline: float | None = None
    """time.monotonic() by which the language model must be done (ASSISTANT_LLM_TIMEOUT)."""
    refusal: Refusal | None = None
    """Why it is not covered (the coverage test that failed, with its figures); None: answer it."""
    notice: str = ""
    """The urgent-care notice for the question, as asked or as searched."""

    @property
    def covered(self) -> bool:
        return self.refusal is None

    @property
    def absent(self) -> str | None:
        """The word the question is about that no article mentions (then not covered)."""
        return self.refusal.word if self.refusal is not None else None


MAX_PASSAGES = 1000
"""The most passages one search or ask considers; a larger k is cut to it (the fusion reads 4k candidates)."""


def passages_wanted(k: object, default: int) -> int:
    """k as given to `search` / `ask`: None for the default, else a whole number of at least 1 (cut to
    MAX_PASSAGES); anything else is a QuestionError that says so."""
    if k is None:
        return default
    if isinstance(k, bool) or not hasattr(k, "__index__"):
        raise QuestionError(f"k must be a whole number of passages, not {k!r}.")
    k = operator.index(k)
    if k < 1:
        raise QuestionError(f"k must be at least 1 (got {k}).")
    return min(k, MAX_PASSAGES)
