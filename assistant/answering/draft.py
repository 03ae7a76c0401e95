"""An answer being put together as lines, each citing a unit (sentence or list item) of a passage,
and its rendering: Markdown with [n] markers and one citation per passage quoting what was cited."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..types import Answer, Citation, Hit
from .units import Unit, snippet


def words(text: str) -> int:
    return len(text.split())


@dataclass
class Line:
    """One line of an answer: a cited unit (with its list marker, if it is a list item) or plain text."""

    text: str
    hit: Hit | None = None
    unit: Unit | None = None
    marker: str = ""


@dataclass
class Part:
    """Lines shown together (a paragraph or a list), perhaps under a bold label."""

    lines: list[Line]
    label: str = ""


@dataclass
class Draft:
    """An answer being put together: what leads, the body, and the closing lines."""

    lead: list[Part] = field(default_factory=list)
    body: list[Part] = field(default_factory=list)
    closing: Part | None = None
    qualifier_notes: list[str] = field(default_factory=list)
    """The lead's notes that no passage addresses the group the question names."""
    quoted: bool = False
    """The answering section was quoted (in the body, or its list continued in the lead)."""

    def words(self) -> int:
        return sum(words(line.text) for part in self.lead + self.body for line in part.lines)

    def cites(self, hit: Hit, unit: Unit) -> bool:
        return any(
            line.unit is not None
            and line.hit is not None
            and passage_key(line.hit) == passage_key(hit)
            and line.unit.text == unit.text
            for part in self.lead + self.body
            for line in part.lines
        )


def passage_key(hit: Hit) -> tuple[str, str, int]:
    return (hit.root, hit.source, hit.position)


def render(question: str, draft: Draft, hits: list[Hit]) -> Answer:
    """The Markdown answer: parts separated by blank lines, each cited line ending in its [n]; a
    citation per passage, numbered in order of first use, quoting the units cited."""
    numbers: dict[tuple[str, str, int], int] = {}
    cited: dict[tuple[str, str, int], tuple[Hit, list[Unit]]] = {}

    def marker(line: Line) -> str:
        if line.hit is None or line.unit is None:
            return ""
        key = passage_key(line.hit)
        if key not in numbers:
            numbers[key] = len(numbers) + 1
            cited[key] = (line.hit, [])
        cited[key][1].append(line.unit)
        return f" [{numbers[key]}]"

    def block(part: Part) -> str:
        out = [f"**{part.label}**"] if part.label else []
        prose = all(not ln.marker and ln.text.rstrip()[-1:] in ".!?\"')" for ln in part.lines)
        rendered = [f"{ln.marker + ' ' if ln.marker else ''}{ln.text}{marker(ln)}" for ln in part.lines]
        if prose and len(rendered) > 1:
            out.append(" ".join(rendered))
        else:
            out.extend(rendered)
        return "\n".join(out)

    parts = draft.lead + draft.body
    blocks = [block(p) for p in parts if p.lines]
    closing = block(draft.closing) if draft.closing is not None and draft.closing.lines else ""
    text = "\n\n".join(blocks + ([closing] if closing else []))
    citations = [Citation.of(numbers[key], hit, snippet(hit.text, units)) for key, (hit, units) in cited.items()]
    used = [hit for hit, _ in cited.values()]
    rest = [h for h in hits if passage_key(h) not in cited]
    return Answer(
        question=question, text=text, citations=citations, covered=True, hits=used + rest, closing=closing,
        qualifier_notes=list(draft.qualifier_notes),
    )


__all__ = ["Draft", "Line", "Part", "passage_key", "render", "words"]
