"""Cited answers without an LLM: pick the sentences and list items of the top passages that
best answer the question, keep them grouped by passage, and end every one with its [n]."""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from ..embedding.base import embed_on_query_path
from ..embedding.embedder import Embedder
from ..search.intent import CAUSE, DEFINITION, DURATION, SYMPTOMS, TREATMENT, answers_kind, sentence_answers
from ..search.keyword import tokenize
from ..text import LIST_MARKER, cut_at_word, sentence_spans
from ..types import Answer, Citation, Hit
from .boilerplate import CorpusStats

_REF_MARK = re.compile(r"\[\d{1,4}\]")
_CONNECTIVE = re.compile(
    r"^(?:and|but|or|so|then|also|however|therefore|thus|still|yet|instead|otherwise|besides|moreover"
    r"|on the contrary|in addition|if so|if not|for example|for instance|as a result|in that case)\b"
    r"|^(?:\S+\s+){1,3}also\b",
    re.I,
)
"""Openings that lean on the sentence before ("If so, ...", "On the contrary, ...", "You may also
have ..."): such a sentence cannot open an answer."""
_PRONOUN = re.compile(r"^(?:it|its|it's|they|their|them|these|those|this|that|he|she|his|her)\b", re.I)
"""Openings whose subject is named only by the article ("It causes a barking cough."): an answer
opening so is headed by the article's title."""
MAX_UNIT_CHARS = 600
SCORE_CHARS = 200
"""Characters of a unit that are embedded to score it (cut at a word): the opening of a long sentence
says what it is about, and a cap keeps the cost of an ask bounded (about 45 word pieces a unit)."""
SNIPPET_CHARS = 700
KIND_BONUS = 0.12
"""Added to the score of a sentence from a section that answers the question's kind (about the
spread between a good and a merely related sentence)."""
CUE_BONUS = 0.06
"""Added to the score of a sentence worded as an answer to the question's kind (`sentence_answers`);
a duration question's sentence that gives a time gets KIND_BONUS: it is the answer."""
SAFETY_NET_KINDS = frozenset({TREATMENT, SYMPTOMS, CAUSE, DEFINITION, DURATION})
"""Symptom and self-care questions: their answer closes with the when-to-see-a-doctor line."""
_ENDS = tuple(".!?\"')")
_REFERENCE_SECTION = re.compile(r"^\s*(?:references?|sources?|bibliography|further reading|citations?)\b", re.I)
_CITATION_LIKE = re.compile(r"\bet al\b|\bdoi:|\bPMID\b|\bAccessed\b|\bRetrieved from\b|\b(?:19|20)\d\d;\s*\d", re.I)
_VERB = re.compile(
    r"\b(?:is|are|was|were|be|been|being|am|can|could|may|might|must|should|will|would|do|does|did|has|have|had"
    r"|cause|causes|caused|help|helps|include|includes|get|gets|take|takes|make|makes|keep|use|try|see|call|ask"
    r"|drink|eat|rest|avoid|stop|lie|sit|stand|hold|press|pinch|lean|breathe|apply|wear|put|need|needs|affects?"
    r"|leads?|occurs?|happens?|develops?|starts?|feels?|looks?|becomes?|means?|lasts?|goes|comes)\b|n't\b",
    re.I,
)


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
        marker = LIST_MARKER.match(line)
        body_start = line_start + (marker.end() if marker else len(line) - len(line.lstrip()))
        body = text[body_start : line_start + len(line)].rstrip()
        pieces = [(0, len(body))] if marker else sentence_spans(body)
        # reference markers copied from a source page ("[4]") would read as our citations:
        # they end a unit and are never part of one
        pieces = [(x, y) for a, b in pieces for x, y in _between(_REF_MARK, body, a, b)]
        for a, b in pieces:
            piece = body[a:b].strip()
            start = body_start + a + (len(body[a:b]) - len(body[a:b].lstrip()))
            if len(piece.split()) < 3:
                continue
            piece = cut_at_word(piece, MAX_UNIT_CHARS)
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

    def answer(
        self,
        question: str,
        hits: list[Hit],
        query_vector: np.ndarray,
        *,
        kind: str | None = None,
        stats: CorpusStats | None = None,
        doctor: Hit | None = None,
    ) -> Answer:
        """The answer from the first `passages` hits. `kind` (assistant.search.intent) favours the sentences
        of sections that answer that kind of question; `stats` drops boilerplate; `doctor` (a
        passage of the lead article's when-to-see-a-doctor section) closes a self-care answer."""
        top = hits[: self.passages]
        units = _unique(u for i, h in enumerate(top) for u in split_units(h.text, i) if says_something(u, h.section))
        if stats is not None:  # site boilerplate, unless it speaks to the question ("Is X inherited?")
            q_terms = set(tokenize([question])[0])
            units = [u for u in units if not stats.is_boilerplate(u.text) or q_terms & set(tokenize([u.text])[0])]
        if not units:
            return not_covered(question, hits)
        scores = self._score(question, query_vector, units, top, kind)
        chosen = _with_lead_ins(units, self._select(units, scores))
        answering = {i for i, h in enumerate(top) if answers_kind(h.section, kind)}
        answer = compose(question, top, chosen, hits, lead={0} | answering)
        if doctor is not None and kind in SAFETY_NET_KINDS:
            _add_doctor_line(answer, doctor, stats)
        return answer

    def _score(
        self, question: str, qv: np.ndarray, units: list[Unit], hits: list[Hit], kind: str | None = None
    ) -> np.ndarray:
        texts = [f"{hits[u.passage].title}: {cut_at_word(u.text, SCORE_CHARS)}" for u in units]
        vecs = embed_on_query_path(self.embedder, texts)
        dense = vecs @ qv
        q_terms, *unit_terms = (set(t) for t in tokenize([question, *(u.text for u in units)]))
        lexical = np.array([len(q_terms & terms) / len(q_terms) if q_terms else 0.0 for terms in unit_terms])
        prior = np.array([0.04 * (self.passages - u.passage) for u in units])  # trust the ranking a little
        # the section that answers this kind of question ("why" -> causes, "what helps" -> relief)
        answers = {i for i, h in enumerate(hits) if answers_kind(h.section, kind)}
        bonus = np.array([KIND_BONUS * (u.passage in answers) for u in units])
        # the sentence worded as that kind of answer ("caused by", "10 to 15 minutes", "see a doctor if")
        cue = KIND_BONUS if kind == DURATION else CUE_BONUS
        bonus += np.array([cue * sentence_answers(u.text, kind) for u in units])
        return dense + 0.25 * lexical + prior + bonus

    def _select(self, units: list[Unit], scores: np.ndarray) -> list[Unit]:
        """The best units, at most `per_passage` of one passage, none far below the best; the first
        passage (the one retrieval and the question's kind put first) always gives its best unit."""
        order = np.argsort(-scores, kind="stable")
        first = next((int(i) for i in order if units[int(i)].passage == 0), None)
        if first is not None:
            order = np.array([first, *(int(i) for i in order if int(i) != first)])
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


def _with_lead_ins(units: list[Unit], chosen: list[Unit]) -> list[Unit]:
    """Chosen list items keep the sentence that introduces their list ("Call emergency services
    straight away if you have:"): without it the items lose their meaning."""
    out = list(chosen)
    for u in chosen:
        if not u.is_item:
            continue
        before = [v for v in units if v.passage == u.passage and v.start < u.start and not v.is_item]
        if before and before[-1].text.rstrip().endswith(":") and before[-1] not in out:
            # only when nothing but list items stand between the lead-in and this item
            lead = before[-1]
            if all(v.is_item for v in units if v.passage == u.passage and lead.start < v.start < u.start):
                out.append(lead)
    return out


def says_something(unit: Unit, section: str = "", stats: CorpusStats | None = None) -> bool:
    """False for what carries no answer: site boilerplate (measured over the store, when `stats`
    is given), reference titles, bare lists of names, a reference list's section, and a sentence
    cut off at its start."""
    text = unit.text
    if stats is not None and stats.is_boilerplate(text):
        return False
    if _REFERENCE_SECTION.search(section):
        return False
    if not unit.is_item and text[:1].islower():
        return False  # the tail of a sentence cut at a chunk boundary
    if text.rstrip().endswith("?"):
        return False  # a question restated ("How might X be treated?") answers nothing
    if _CITATION_LIKE.search(text):
        return False
    if not _VERB.search(text):
        # no verb: a title ("X syndrome: clinical and molecular features.") or a bare list of
        # names ("Aplenzin® - Budeprion® SR - ..."); short lower-case items ("dark yellow urine") stay
        words = text.split()
        capitalised = sum(w[:1].isupper() or "®" in w or "™" in w for w in words)
        if ":" in text and len(words) <= 16 and not unit.is_item:
            return False
        if capitalised >= max(3, 0.6 * len(words)):
            return False
    return True


def _add_doctor_line(answer: Answer, doctor: Hit, stats: CorpusStats | None) -> None:
    """Close with one cited line from the article's when-to-see-a-doctor section (unless the
    answer already cites that section)."""
    if any((c.root, c.source, c.section) == (doctor.root, doctor.source, doctor.section) for c in answer.citations):
        return
    units = [u for u in split_units(doctor.text) if says_something(u, doctor.section, stats)]
    if not units:
        return
    picked = [units[0]]
    if units[0].text.rstrip().endswith(":") and len(units) > 1:  # "See a doctor if:" and its first item
        picked.append(units[1])
    n = len(answer.citations) + 1
    answer.citations.append(_cite(n, doctor, picked))
    lines = [f"- {u.text} [{n}]" if u.is_item else f"{u.text} [{n}]" for u in picked]
    answer.closing = f"**{doctor.section or 'When to see a doctor'}:**\n" + "\n".join(lines)
    answer.text += f"\n\n{answer.closing}"
    if all((h.root, h.source, h.position) != (doctor.root, doctor.source, doctor.position) for h in answer.hits):
        answer.hits = [*answer.hits, doctor]


def compose(question: str, top: list[Hit], chosen: list[Unit], hits: list[Hit], lead: set[int] | None = None) -> Answer:
    """Markdown grouped by passage, units in document order, each ending in [n]. The first passage
    leads, then those in `lead` (they answer the question's kind), then the rest; within each group
    the passage holding the better sentence first."""
    by_passage: dict[int, list[Unit]] = {}
    for u in sorted(chosen, key=lambda u: (u.passage != 0, u.passage not in (lead or ()))):  # stable
        by_passage.setdefault(u.passage, []).append(u)
    blocks: list[str] = []
    citations: list[Citation] = []
    for p in by_passage:  # the passage holding the best sentence first (chosen is best-first)
        units = sorted(by_passage[p], key=lambda u: u.start)
        if not blocks:
            units = _opening_first(units, by_passage[p])
        n = len(citations) + 1
        h = top[p]
        citations.append(_cite(n, h, units))
        if all(not u.is_item and u.text.rstrip()[-1:] in _ENDS for u in units):
            blocks.append(" ".join(f"{u.text} [{n}]" for u in units))
        else:  # list items stay a list; a line without its full stop is never glued to the next
            blocks.append("\n".join(f"- {u.text} [{n}]" if u.is_item else f"{u.text} [{n}]" for u in units))
        if len(blocks) == 1 and _PRONOUN.match(units[0].text):
            blocks[0] = f"**{h.title}**\n{blocks[0]}"  # a line without [n]: it names what "It" is
    return Answer(question=question, text="\n\n".join(blocks), citations=citations, covered=True, hits=hits)


def _opening_first(in_order: list[Unit], by_rank: list[Unit]) -> list[Unit]:
    """The lead passage's units with the answer's opening first: its best unit that does not lean
    on a sentence before it (a connective, "also", a pronoun), then the rest in document order. A passage quoted with list items
    keeps its document order (an item needs its lead-in before it)."""
    if any(u.is_item for u in in_order):
        return in_order
    opening = next((u for u in by_rank if not _CONNECTIVE.match(u.text) and not _PRONOUN.match(u.text)), None)
    if opening is None:  # every one leans on another: the passage's own order reads best
        return in_order
    return [opening, *(u for u in in_order if u is not opening)]


def not_covered(question: str, hits: list[Hit], absent: str | None = None, limit: int = 3) -> Answer:
    """The answer that says the articles do not cover the question, naming the closest articles and,
    when the question rests on a word no article uses (assistant/answering/coverage.py), that word."""
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
        missing = f" No article mentions “{absent}”." if absent else ""
        text = f"The articles here do not cover this question.{missing} The closest articles are: {names}."
    else:
        text = "The articles here do not cover this question (no articles have been ingested yet)."
    citations = [Citation.of(i + 1, h, h.text[:300]) for i, h in enumerate(closest)]
    return Answer(question=question, text=text, citations=citations, covered=False, hits=hits)


def _cite(n: int, h: Hit, units: list[Unit]) -> Citation:
    """Citation [n] of these units of passage h."""
    return Citation.of(n, h, snippet(h.text, units))


def snippet(text: str, units: list[Unit]) -> str:
    """The citation snippet of these units of a passage: the passage from the first unit to the end
    of the last if that is at most SNIPPET_CHARS long, else the units alone joined by " … "."""
    start, end = min(u.start for u in units), max(u.end for u in units)
    if end - start <= SNIPPET_CHARS:
        return text[start:end]
    return " … ".join(u.text for u in units)
