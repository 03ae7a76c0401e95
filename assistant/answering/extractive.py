"""Cited answers without an LLM: pick the sentences and list items of the top passages that
best answer the question, keep them grouped by passage, and end every one with its [n]."""

from __future__ import annotations

import re

import numpy as np

from ..embedding.base import embed_on_query_path
from ..embedding.embedder import Embedder
from ..search.intent import CAUSE, DEFINITION, DURATION, SYMPTOMS, TREATMENT, answers_kind, sentence_answers
from ..store.keyword import tokenize
from ..text import cut_at_word
from ..types import Answer, Citation, Hit
from .boilerplate import CorpusStats
from .draft import Draft, Line, Part, render
from .units import Unit, is_lead_in, says_something, split_units

CONNECTIVE = re.compile(
    r"^(?:and|but|or|so|then|also|however|therefore|thus|still|yet|instead|otherwise|besides|moreover"
    r"|on the contrary|in addition|if so|if not|for example|for instance|as a result|in that case"
    r"|from there|after that|afterwards|here)\b"
    r"|^(?:\S+\s+){1,3}also\b",
    re.I,
)
"""Openings that lean on the sentence before ("If so, ...", "On the contrary, ...", "You may also
have ..."): such a sentence cannot open an answer."""
PRONOUN_OPENING = re.compile(r"^(?:it|its|it's|they|their|them|these|those|this|that|he|she|his|her)\b", re.I)
"""Openings whose subject is named only by the article ("It causes a barking cough."): an answer
opening so is headed by the article's title."""
SCORE_CHARS = 200
"""Characters of a unit that are embedded to score it (cut at a word): the opening of a long sentence
says what it is about, and a cap keeps the cost of an ask bounded (about 45 word pieces a unit)."""
KIND_BONUS = 0.12
"""Added to the score of a sentence from a section that answers the question's kind (about the
spread between a good and a merely related sentence)."""
CUE_BONUS = 0.06
"""Added to the score of a sentence worded as an answer to the question's kind (`sentence_answers`);
a duration question's sentence that gives a time gets KIND_BONUS: it is the answer."""
SAFETY_NET_KINDS = frozenset({TREATMENT, SYMPTOMS, CAUSE, DEFINITION, DURATION})
"""Symptom and self-care questions: their answer closes with the when-to-see-a-doctor line."""
_ENDS = tuple(".!?\"')")


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
    ) -> Answer:
        """The answer from the first `passages` hits, sentence by sentence. `kind`
        (assistant.search.intent) favours the sentences of sections that answer that kind of question;
        `stats` drops boilerplate."""
        parts = self.parts(question, hits, query_vector, kind=kind, stats=stats)
        if not parts:
            return not_covered(question, hits)
        return render(question, Draft(body=parts), hits)

    def parts(
        self,
        question: str,
        hits: list[Hit],
        query_vector: np.ndarray,
        *,
        kind: str | None = None,
        stats: CorpusStats | None = None,
    ) -> list:
        """The best sentences and list items of the first `passages` hits as answer parts (one per
        passage, units in document order), or [] when no passage says anything."""
        top = hits[: self.passages]
        units = _unique(u for i, h in enumerate(top) for u in split_units(h.text, i) if says_something(u, h.section))
        if stats is not None:  # site boilerplate, unless it speaks to the question ("Is X inherited?")
            q_terms = set(tokenize([question])[0])
            units = [u for u in units if not stats.is_boilerplate(u.text) or q_terms & set(tokenize([u.text])[0])]
        if not units:
            return []
        scores = self._score(question, query_vector, units, top, kind)
        chosen = _without_lone_lead_ins(units, _with_lead_ins(units, self._select(units, scores)))
        answering = {i for i, h in enumerate(top) if answers_kind(h.section, kind, h.text)}
        return sentence_parts(top, chosen, lead={0} | answering)

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
        answers = {i for i, h in enumerate(hits) if answers_kind(h.section, kind, h.text)}
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
        if before and is_lead_in(before[-1].text) and before[-1] not in out:
            # only when nothing but list items stand between the lead-in and this item
            lead = before[-1]
            if all(v.is_item for v in units if v.passage == u.passage and lead.start < v.start < u.start):
                out.append(lead)
    return out


def _without_lone_lead_ins(units: list[Unit], chosen: list[Unit]) -> list[Unit]:
    """Chosen units without a sentence that introduces a list ("To get the best results:") none of
    whose items was chosen: alone it promises what the answer does not give."""
    kept = []
    for u in chosen:
        if not u.is_item and is_lead_in(u.text):
            after = [v for v in units if v.passage == u.passage and v.start > u.start]
            items = []
            for v in after:
                if not v.is_item:
                    break
                items.append(v)
            if not any(v in chosen for v in items):
                continue
        kept.append(u)
    return kept


def compose(question: str, top: list[Hit], chosen: list[Unit], hits: list[Hit], lead: set[int] | None = None) -> Answer:
    """The Markdown answer of chosen units (`sentence_parts`), every one ending in its [n]."""
    return render(question, Draft(body=sentence_parts(top, chosen, lead)), hits)


def sentence_parts(top: list[Hit], chosen: list[Unit], lead: set[int] | None = None) -> list:
    """Chosen units grouped by passage, in document order within each. The first passage leads, then
    those in `lead` (they answer the question's kind), then the rest; within each group the passage
    holding the better unit first. An opening that leans on an earlier sentence ("It causes ...")
    is headed by the article's title."""
    by_passage: dict[int, list[Unit]] = {}
    for u in sorted(chosen, key=lambda u: (u.passage != 0, u.passage not in (lead or ()))):  # stable
        by_passage.setdefault(u.passage, []).append(u)
    parts = []
    for p in by_passage:  # the passage holding the best sentence first (chosen is best-first)
        units = sorted(by_passage[p], key=lambda u: u.start)
        if not parts:
            units = _opening_first(units, by_passage[p])
        h = top[p]
        part = Part([Line(u.text, h, u, "-" if u.is_item else "") for u in units])
        if not parts and PRONOUN_OPENING.match(units[0].text):
            part.label = h.title  # it names what "It" is
        parts.append(part)
    return parts


def _opening_first(in_order: list[Unit], by_rank: list[Unit]) -> list[Unit]:
    """The lead passage's units with the answer's opening first: its best unit that does not lean
    on a sentence before it (a connective, "also", a pronoun), then the rest in document order. A passage quoted with list items
    keeps its document order (an item needs its lead-in before it)."""
    if any(u.is_item for u in in_order):
        return in_order
    opening = next((u for u in by_rank if not CONNECTIVE.match(u.text) and not PRONOUN_OPENING.match(u.text)), None)
    if opening is None:  # every one leans on another: the passage's own order reads best
        return in_order
    return [opening, *(u for u in in_order if u is not opening)]


def not_covered(
    question: str, hits: list[Hit], absent: str | None = None, limit: int = 3, min_score: float = 0.0
) -> Answer:
    """The answer that says the articles do not cover the question, naming the closest articles that
    come within `min_score` (cosine) of it -- the ones worth a click -- and, when the question names
    something no article mentions (assistant/answering/coverage.py), that word."""
    seen: set[tuple[str, str]] = set()
    closest: list[Hit] = []
    for h in hits:
        if (h.root, h.source) in seen or (h.dense_score is not None and h.dense_score < min_score):
            continue
        seen.add((h.root, h.source))
        closest.append(h)
        if len(closest) >= limit:
            break
    missing = f" No article here mentions “{absent}”." if absent else ""
    if closest:
        names = "; ".join(f"*{h.title}*" for h in closest)
        text = f"The articles here do not cover this question.{missing} The closest articles are: {names}."
    elif hits:
        text = f"The articles here do not cover this question.{missing} No article comes close to it."
    else:
        text = "The articles here do not cover this question (no articles have been ingested yet)."
    citations = [Citation.of(i + 1, h, h.text[:300]) for i, h in enumerate(closest)]
    return Answer(question=question, text=text, citations=citations, covered=False, hits=hits)
