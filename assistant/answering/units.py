"""A passage as units — sentences and list items located by character offsets — what carries no
answer (boilerplate, references, cut sentences), and the snippet a citation quotes."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..text import LIST_MARKER, cut_at_word, sentence_spans
from .boilerplate import CorpusStats

_REF_MARK = re.compile(r"\[\d{1,4}\]")
MAX_UNIT_CHARS = 600
SNIPPET_CHARS = 700
_REFERENCE_SECTION = re.compile(r"^\s*(?:references?|sources?|bibliography|further reading|citations?)\b", re.I)
_CITATION_LIKE = re.compile(r"\bet al\b|\bdoi:|\bPMID\b|\bAccessed\b|\bRetrieved from\b|\b(?:19|20)\d\d;\s*\d", re.I)
_PAGE_DATES = re.compile(r"^(?:page )?(?:last )?(?:reviewed|updated|modified|published)\b[^.]{0,40}\d{4}\.?$", re.I)
"""A page's review or publication date line ("Page last reviewed: June 2024"), which readers of saved
pages keep with the body."""
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


def split_units(text: str, passage: int = 0, short_items: bool = False) -> list[Unit]:
    """Sentences and list items of a text of at least 3 words, and the sentences that introduce a list whatever
    their length ("They often:"); each unit's text is text[start:end].
    `short_items`: list items of one or two words too ("- feeling thirsty", "- a headache"), which are
    points of a list quoted whole but too short to stand alone as a sentence picked for an answer."""
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
            if len(piece.split()) < (1 if (marker and short_items) or (not marker and is_lead_in(piece)) else 3):
                continue  # a short sentence says too little alone; a list's lead-in ("They often:") stays
            piece = cut_at_word(piece, MAX_UNIT_CHARS)
            units.append(Unit(passage, start, start + len(piece), piece, bool(marker)))
    return units


def _between(pattern: re.Pattern, text: str, a: int, b: int) -> list[tuple[int, int]]:
    """The spans of text[a:b] between matches of pattern."""
    spans, pos = [], a
    for m in pattern.finditer(text, a, b):
        spans.append((pos, m.start()))
        pos = m.end()
    spans.append((pos, b))
    return spans


def is_lead_in(text: str) -> bool:
    """Whether a sentence introduces the list after it ("See a GP if:"): it ends in a colon."""
    return text.rstrip().endswith(":")


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
    if _CITATION_LIKE.search(text) or _PAGE_DATES.search(text):
        return False
    if not _VERB.search(text):
        # no verb: a title ("X syndrome: clinical and molecular features.") or a bare list of
        # names ("Aplenzin® - Budeprion® SR - ..."); short lower-case items ("dark yellow urine") stay
        words = text.split()
        capitalised = sum(w[:1].isupper() or "®" in w or "™" in w for w in words)
        if ":" in text.rstrip().rstrip(":") and len(words) <= 16 and not unit.is_item:
            return False  # a title ("X syndrome: clinical features"); a list's lead-in ends in ":" and stays
        if capitalised >= max(3, 0.6 * len(words)):
            return False
    return True


def snippet(text: str, units: list[Unit]) -> str:
    """The citation snippet of these units of a passage: the passage from the first unit to the end
    of the last if that is at most SNIPPET_CHARS long, else the units alone joined by " … "."""
    start, end = min(u.start for u in units), max(u.end for u in units)
    if end - start <= SNIPPET_CHARS:
        return text[start:end]
    return " … ".join(u.text for u in units)


__all__ = ["MAX_UNIT_CHARS", "SNIPPET_CHARS", "Unit", "is_lead_in", "says_something", "snippet", "split_units"]
