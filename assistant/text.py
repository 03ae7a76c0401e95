"""Small text helpers, each written once: the heading key, "title › section", one-line text, a count and
its plural, cutting at a word, the list-item marker, sentence boundaries, HTML-attribute escaping and
printable names. Readers, answerers, the conversation, the web page and the command line use these (pure
functions, no imports from the package)."""

from __future__ import annotations

import html
import re

SECTION_SEP = " › "
"""Between an article's title and a section ("Leg cramps › Causes"), and between nested headings."""

LIST_MARKER = re.compile(r"^\s*(?:\d{1,3}[.)]|[-*•+])\s+")
"""The marker that opens a list item: "1." or "2)" (up to three digits) or a bullet (- * • +), then
whitespace. `.end()` of a match is where the item's text starts."""

SENTENCE_GAP = r"(?<=[.!?])\s+"
"""Whitespace after a full stop, question or exclamation mark (a regex): the loose boundary, for text
typed by people (questions.focus) and the chunker's fallback split; it splits after "e.g." too."""

_SENTENCE_END = re.compile(r"(?<=[.!?])[\"')\]]?(?:\s*\[\d{1,4}\])*\s+(?=[\"'(\[]?[A-Z0-9])(?!\[\d{1,4}\])")
"""The strict boundary: a full stop, question or exclamation mark (and a closing quote or bracket),
any [n] markers that follow it, whitespace, and then a sentence that opens with a capital or a digit
(perhaps after an opening quote or bracket, but never with an [n] marker). So "e.g. ibuprofen" and
"2.5 mg" stay whole, and the [n] that ends a sentence stays with it."""
_MD_SENTENCE_END = re.compile(
    r"(?<=[.!?])[\"')\]*_`]{0,3}(?:\s*\[\d{1,4}\])*\s+"
    r"(?=(?:[-•]\s+)?[*_`]*[\"'(\[]?[A-Z0-9])(?!(?:[-•]\s+)?[*_`]*\[\d{1,4}\])"
)
"""The same in Markdown (a model's reply): emphasis may close a sentence ("**Why?**") or open the
next, and a sentence may be followed by a list item on the same line ("... at night. - Stretch")."""
_NON_WORD = re.compile(r"[\W_]+")
_WS = re.compile(r"\s+")


def title_key(text: str) -> str:
    """A title or heading compared without case and punctuation ("Leg cramps!" == "leg cramps"): how a
    reader tells that a heading repeats the article's title, and how a question is matched to a
    heading that says the same."""
    return _NON_WORD.sub(" ", text).strip().lower()


def title_section(title: str, section: str) -> str:
    """ "Title › Section", or the title alone for an article's untitled opening section."""
    return f"{title}{SECTION_SEP}{section}" if section else title


def nest_heading(*parts: str) -> str:
    """A sub-section's heading under its parents ("Causes › At night"); empty parts are left out."""
    return SECTION_SEP.join(p for p in parts if p)


def one_line(text: str) -> str:
    """The text with every run of whitespace (newlines too) made one space, stripped."""
    return _WS.sub(" ", text).strip()


def plural(n: int, word: str) -> str:
    """ "1 chunk", "3 chunks": a count and its word (an -s plural)."""
    return f"{n} {word}{'' if n == 1 else 's'}"


def cut_at_word(text: str, limit: int, ellipsis: str = "") -> str:
    """The text if it has at most `limit` characters; else its first `limit` characters without the
    last (perhaps partial) word, then `ellipsis`. One word longer than `limit` is cut inside."""
    if len(text) <= limit:
        return text
    cut = text[:limit]
    return (cut.rsplit(" ", 1)[0] or cut) + ellipsis


def sentence_spans(
    text: str, start: int = 0, end: int | None = None, *, markdown: bool = False
) -> list[tuple[int, int]]:
    """(start, end) of each sentence of text[start:end], without the whitespace around it (see
    `_SENTENCE_END` for where a sentence ends, `_MD_SENTENCE_END` with `markdown`); a stretch
    without any boundary is one sentence."""
    end = len(text) if end is None else end
    spans: list[tuple[int, int]] = []
    pos = start
    for m in (_MD_SENTENCE_END if markdown else _SENTENCE_END).finditer(text, start, end):
        spans.append(_trimmed(text, pos, m.start() + len(m.group(0).rstrip())))
        pos = m.end()
    spans.append(_trimmed(text, pos, end))
    return [(a, b) for a, b in spans if a < b]


def _trimmed(text: str, a: int, b: int) -> tuple[int, int]:
    piece = text[a:b]
    return a + len(piece) - len(piece.lstrip()), b - len(piece) + len(piece.rstrip())


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_CONTROL_ESCAPES = {"\n": "\\n", "\t": "\\t", "\r": "\\r"}


def printable(text: str) -> str:
    """The text with its control characters (newline, tab, ...) escaped as \\n, \\t, \\u001b: a file name or
    title printed in one field of one line, as a terminal or a tab-separated reader takes it."""
    return _CONTROL.sub(lambda m: _CONTROL_ESCAPES.get(m.group(), f"\\u{ord(m.group()):04x}"), text)


def escape_attr(text: str | None) -> str:
    """Text for an HTML or XML attribute value (quotes escaped too)."""
    return html.escape(text or "", quote=True)


def any_of(*alternatives: str) -> re.Pattern[str]:
    """One case-insensitive pattern that matches any of the alternatives (regular expressions)."""
    return re.compile(r"(?:" + "|".join(alternatives) + r")", re.IGNORECASE)
