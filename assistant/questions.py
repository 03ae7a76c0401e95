"""Turn whatever a user typed into a question the retriever can use."""

from __future__ import annotations

import re
import unicodedata

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def clean_question(text: str, max_chars: int = 2000) -> tuple[str, list[str]]:
    """(cleaned question, notes for the user). Control characters go, whitespace collapses,
    and a very long question is truncated (with a note) so it can be embedded."""
    notes: list[str] = []
    if not isinstance(text, str):
        text = "" if text is None else str(text)
    text = unicodedata.normalize("NFKC", text)
    text = _CONTROL.sub(" ", text)
    text = re.sub(r"\s+", " ", text).strip()
    if len(text) > max_chars:
        cut = text[:max_chars].rsplit(" ", 1)[0] or text[:max_chars]
        notes.append(f"Your question was {len(text):,} characters long; only the first {len(cut):,} were used.")
        text = cut
    return text, notes
