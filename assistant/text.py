"""Small text helpers shared by the article readers."""

from __future__ import annotations

import re

_NON_WORD = re.compile(r"[\W_]+")


def title_key(text: str) -> str:
    """A title or heading compared without case and punctuation ("Leg cramps!" == "leg cramps"): how a
    reader tells that a heading repeats the article's title."""
    return _NON_WORD.sub(" ", text).strip().lower()
