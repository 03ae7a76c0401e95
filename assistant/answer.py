"""Cited answers without an LLM: pick the sentences and list items of the top passages that
best answer the question, keep them grouped by passage, and end every one with its [n]."""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from .embeddings import Embedder
from .keyword import tokenize
from .types import Answer, Citation, Hit

_LIST_MARKER = re.compile(r"^\s*(?:\d{1,3}[.)]|[-*•])\s+")
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"')\]]?\s+(?=[\"'(\[]?[A-Z0-9])")
_REF_MARK = re.compile(r"\[\d{1,3}\]")
MAX_UNIT_CHARS = 600
SCORE_CHARS = 200
"""Characters of a unit that are embedded to score it (cut at a word): the opening of a long sentence
says what it is about, and a cap keeps the cost of an ask bounded (about 45 word pieces a unit)."""
SNIPPET_CHARS = 700


@dataclass(frozen=True)
class Unit:
    """A sentence or list item of a passage, located by character offsets in the chunk text."""

    passage: int
    start: int
    end: int
    text: str
    is_item: bool


def split_units(text: str, passage: int = 0) -> list[Unit]:
    """Sentences and list items of a text; each unit's text is text[start:end]."""
    units: list[Unit] = []
    offset = 0
    for line in text.split("\n"):
        line_start = offset
        offset += len(line) + 1
        if not line.strip():
            continue
        marker = _LIST_MARKER.match(line)
        body_start = line_start + (marker.end() if marker else len(line) - len(line.lstrip()))
        body = text[body_start : line_start + len(line)].rstrip()
        if marker:
            pieces = [(0, len(body))]
        else:
            pieces, pos = [], 0
            for m in _SENTENCE_END.finditer(body):
                pieces.append((pos, m.start() + len(m.group(0).rstrip())))
                pos = m.end()
            pieces.append((pos, len(body)))
        # reference markers copied from a source page ("[4]") would read as our citations:
        # they end a unit and are never part of one
        pieces = [
            (x, y) for a, b in pieces for x, y in _between(_REF_MARK, body, a, b)
        ]
        for a, b in pieces:
            piece = body[a:b].strip()
            start = body_start + a + (len(body[a:b]) - len(body[a:b].lstrip()))
            if len(piece.split()) < 3:
                continue
            if len(piece) > MAX_UNIT_CHARS:
                piece = piece[:MAX_UNIT_CHARS].rsplit(" ", 1)[0]
            units.append(Unit(passage, start, start + len(piece), piece, bool(marker)))
    return units


def _unique(units) -> list[Unit]:
    """Units in order, without repeats: overlapping chunks of one article share sentences, which
    would otherwise be embedded twice and could be quoted twice."""
    seen: set[str] = set()
    out: list[Unit] = []
    for u in units:
        if u.text not in seen:
            seen.add(u.text)
            out.append(u)
    return out


def _opening(text: str) -> str:
    if len(text) <= SCORE_CHARS:
        return text
    return text[:SCORE_CHARS].rsplit(" ", 1)[0]


def _between(pattern: re.Pattern, text: str, a: int, b: int) -> list[tuple[int, int]]:
    """The spans of text[a:b] between matches of pattern."""
    spans, pos = [], a
    for m in pattern.finditer(text, a, b):
        spans.append((pos, m.start()))
        pos = m.end()
    spans.append((pos, b))
    return spans


class ExtractiveAnswerer:
    def __init__(self, embedder: Embedder, passages: int = 3, sentences: int = 5, per_passage: int = 3):
        self.embedder = embedder
        self.passages = passages
        self.sentences = sentences
        self.per_passage = per_passage

    def answer(self, question: str, hits: list[Hit], query_vector: np.ndarray) -> Answer:
        top = hits[: self.passages]
        units = _unique(u for i, h in enumerate(top) for u in split_units(h.text, i))
        if not units:
            return not_covered(question, hits)
        scores = self._score(question, query_vector, units, top)
        chosen = self._select(units, scores)
        return compose(question, top, chosen, hits)

    def _score(self, question: str, qv: np.ndarray, units: list[Unit], hits: list[Hit]) -> np.ndarray:
        # on the query path: use the query thread count where the embedder offers it
        embed = getattr(self.embedder, "embed_queries", None) or self.embedder.embed_documents
        vecs = embed([f"{hits[u.passage].title}: {_opening(u.text)}" for u in units])
        dense = vecs @ qv
        q_terms, *unit_terms = (set(t) for t in tokenize([question, *(u.text for u in units)]))
        lexical = np.array([len(q_terms & terms) / len(q_terms) if q_terms else 0.0 for terms in unit_terms])
        prior = np.array([0.04 * (self.passages - u.passage) for u in units])  # trust the ranking a little
        return dense + 0.25 * lexical + prior

    def _select(self, units: list[Unit], scores: np.ndarray) -> list[Unit]:
        order = np.argsort(-scores, kind="stable")
        best = float(scores[order[0]])
        chosen: list[Unit] = []
        per: dict[int, int] = {}
        for i in order:
            u = units[int(i)]
            if len(chosen) >= self.sentences or scores[i] < best - 0.15:
                break
            if per.get(u.passage, 0) >= self.per_passage:
                continue
            per[u.passage] = per.get(u.passage, 0) + 1
            chosen.append(u)
        return chosen


def compose(question: str, top: list[Hit], chosen: list[Unit], hits: list[Hit]) -> Answer:
    """Markdown grouped by passage (best sentence first), units in document order, each ending in [n]."""
    by_passage: dict[int, list[Unit]] = {}
    for u in chosen:
        by_passage.setdefault(u.passage, []).append(u)
    blocks: list[str] = []
    citations: list[Citation] = []
    for p in by_passage:  # the passage holding the best sentence first (chosen is best-first)
        units = sorted(by_passage[p], key=lambda u: u.start)
        n = len(citations) + 1
        h = top[p]
        citations.append(
            Citation(
                n=n, source=h.source, title=h.title, section=h.section, snippet=_snippet(h.text, units),
                url=h.url, score=h.score, root=h.root, position=h.position,
            )
        )
        if all(u.is_item for u in units):
            blocks.append("\n".join(f"- {u.text} [{n}]" for u in units))
        else:
            blocks.append(" ".join(f"{u.text} [{n}]" for u in units))
    return Answer(question=question, text="\n\n".join(blocks), citations=citations, covered=True, hits=hits)


def not_covered(question: str, hits: list[Hit], limit: int = 3) -> Answer:
    seen: set[tuple[str, str]] = set()
    closest: list[Hit] = []
    for h in hits:
        if (h.root, h.source) not in seen:
            seen.add((h.root, h.source))
            closest.append(h)
        if len(closest) >= limit:
            break
    if closest:
        names = "; ".join(f"*{h.title}*" for h in closest)
        text = f"The articles here do not cover this question. The closest articles are: {names}."
    else:
        text = "The articles here do not cover this question (no articles have been ingested yet)."
    citations = [
        Citation(
            n=i + 1, source=h.source, title=h.title, section=h.section, snippet=h.text[:300], url=h.url,
            score=h.score, root=h.root, position=h.position,
        )
        for i, h in enumerate(closest)
    ]
    return Answer(question=question, text=text, citations=citations, covered=False, hits=hits)


def _snippet(text: str, units: list[Unit]) -> str:
    start, end = units[0].start, max(u.end for u in units)
    if end - start <= SNIPPET_CHARS:
        return text[start:end]
    return " … ".join(u.text for u in units)

