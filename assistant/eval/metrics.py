"""Ranking and answer metrics of the evaluation harness (pure functions, hand-checked in tests).

Metrics are computed over *sources* (file stems): a ranked list of hits becomes the list of
distinct sources in the order of their first hit, so an article counts once however many of
its chunks were returned.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import PurePosixPath

from ..text import LIST_MARKER
from ..types import Answer


def source_stem(source: str) -> str:
    """`sub/P00785.txt` -> `P00785` (question files name sources by file stem)."""
    return PurePosixPath(source.replace("\\", "/")).stem


def unique_sources(sources: Iterable[str]) -> list[str]:
    """File stems, each once, in the order of their first occurrence."""
    seen: set[str] = set()
    out: list[str] = []
    for s in sources:
        stem = source_stem(s)
        if stem not in seen:
            seen.add(stem)
            out.append(stem)
    return out


def success_at(ranked: Sequence[str], relevant: Mapping[str, int], k: int = 5) -> float:
    """1.0 if a relevant source is among the first k, else 0.0."""
    return 1.0 if any(s in relevant for s in ranked[:k]) else 0.0


def reciprocal_rank(ranked: Sequence[str], relevant: Mapping[str, int], k: int = 10) -> float:
    """1/rank of the first relevant source within the first k (0.0 if none)."""
    for i, s in enumerate(ranked[:k]):
        if s in relevant:
            return 1.0 / (i + 1)
    return 0.0


def ndcg_at(ranked: Sequence[str], relevant: Mapping[str, int], k: int = 10) -> float:
    """nDCG@k with gain 2^grade - 1 for relevant sources (0 for others); the ideal ranking is
    the relevant grades sorted. 0.0 when nothing is relevant."""
    dcg = sum((2 ** relevant[s] - 1) / math.log2(i + 2) for i, s in enumerate(ranked[:k]) if s in relevant)
    ideal = sorted(relevant.values(), reverse=True)[:k]
    idcg = sum((2**g - 1) / math.log2(i + 2) for i, g in enumerate(ideal))
    return dcg / idcg if idcg > 0 else 0.0


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100) by linear interpolation between closest ranks; nan if empty."""
    if not values:
        return math.nan
    xs = sorted(values)
    pos = (len(xs) - 1) * q / 100.0
    lo = math.floor(pos)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)


def mean(values: Sequence[float]) -> float:
    return sum(values) / len(values) if values else math.nan


# --- what an answer says, as a person reads it --------------------------------------------------

_CITE_MARK = re.compile(r"\s*\[\d{1,4}\]")
_MARKUP = re.compile(r"\*\*|__|^\s*(?:\d{1,3}[.)]|[-*•])\s+", re.MULTILINE)


def answer_body(answer: Answer) -> str:
    """The answer as read before its closing when-to-see-a-doctor lines and without the urgent-care
    notice that heads it (a banner of its own): the part that answers the question."""
    text = answer.text
    if answer.notice and text.startswith(answer.notice):
        text = text[len(answer.notice) :]
    if answer.closing and answer.closing in text:
        text = text[: text.rindex(answer.closing)]
    return text.strip()


def plain_words(text: str) -> list[str]:
    """The words of Markdown answer text as a reader sees them: no [n] markers, emphasis or list markers."""
    return _MARKUP.sub(" ", _CITE_MARK.sub("", text)).split()


def points_stated(answer: Answer, patterns: Sequence[str], words: int = 150) -> list[bool]:
    """For each essential point (a regex, matched without case), whether the first `words` words of
    the answer's body state it."""
    opening = " ".join(plain_words(answer_body(answer))[:words])
    return [re.search(p, opening, re.IGNORECASE) is not None for p in patterns]


GROUPS = {
    "pregnancy": r"pregnan|breast-?feed",
    "children": r"\bchild|\bbab(?:y|ies)\b|\bkids?\b|\binfants?\b|\btoddlers?\b|\byoung (?:people|person)",
    "older people": r"\bolder\b|\belderly\b",
}
"""How an answer names each group of people a question may be about (independent of the answerer's
own patterns, so the metric does not grade the code by its own rules)."""


def first_sentence(answer: Answer) -> str:
    """The first sentence of the answer's body (markers and markup removed)."""
    lines = [" ".join(plain_words(line)) for line in answer_body(answer).split("\n")]
    line = next((x for x in lines if x), "")
    m = re.search(r"(?<=[.!?])\s", line)
    return line[: m.start()] if m else line


def names_group_first(answer: Answer, group: str) -> bool:
    """Whether the answer's first sentence speaks of the group (the note that the articles do not
    address it, or the article's own line for it)."""
    return re.search(GROUPS[group], first_sentence(answer), re.IGNORECASE) is not None


_MARKED = re.compile(r"(?P<text>[^\[\]]+?)\s*\[(?P<n>\d+)\]")


def citation_problems(answer: Answer) -> list[str]:
    """What is wrong with an answer's citations (empty list = all good).

    Every [n] marker must name a citation, and for a covered answer every cited sentence must
    appear verbatim in that citation's snippet, and every snippet in the passage it cites.
    """
    problems: list[str] = []
    by_n = {c.n: c for c in answer.citations}
    if len(by_n) != len(answer.citations):
        problems.append("duplicate citation numbers")
    if not answer.covered:
        return problems
    # per line: a line without markers (a notice, a heading) supports nothing and is skipped
    for m in (m for line in answer.text.split("\n") for m in _MARKED.finditer(line)):
        n = int(m["n"])
        sentence = LIST_MARKER.sub("", m["text"].strip(), count=1).strip()
        c = by_n.get(n)
        if c is None:
            problems.append(f"[{n}] does not resolve to a citation")
            continue
        if sentence and sentence not in c.snippet:
            problems.append(f"[{n}] sentence not in its snippet: {sentence[:60]!r}")
    markers = {int(m) for m in re.findall(r"\[(\d+)\]", answer.text)}
    for c in answer.citations:
        if c.n not in markers:
            problems.append(f"citation [{c.n}] is never cited in the text")
        passage = next(
            (h.text for h in answer.hits if (h.root, h.source, h.position) == (c.root, c.source, c.position)), None
        )
        if passage is None:
            problems.append(f"citation [{c.n}] names no retrieved passage")
        elif any(piece not in passage for piece in c.snippet.split(" … ")):
            problems.append(f"citation [{c.n}] snippet is not in its passage")
    return problems


__all__ = [
    "GROUPS",
    "answer_body",
    "citation_problems",
    "first_sentence",
    "names_group_first",
    "plain_words",
    "points_stated",
    "mean",
    "ndcg_at",
    "percentile",
    "reciprocal_rank",
    "source_stem",
    "success_at",
    "unique_sources",
]
