"""Checks on an Answer shared by several test modules (not a test module)."""

from __future__ import annotations

import re

from assistant import Answer, Response
from assistant.eval.metrics import citation_problems


def assert_well_formed(answer: Answer | Response) -> None:
    """Markdown text, every [n] marker resolves to a citation numbered 1..k, a covered answer cites something."""
    if isinstance(answer, Response):  # what `ask` returns: its finished Answer
        answer = answer.answer()
    assert isinstance(answer, Answer) and isinstance(answer.text, str) and answer.text.strip()
    numbers = [c.n for c in answer.citations]
    assert numbers == list(range(1, len(numbers) + 1))
    markers = {int(n) for n in re.findall(r"\[(\d+)\]", answer.text)}
    assert markers <= set(numbers), f"markers {markers} without citations {numbers}"
    if answer.covered:
        assert markers and answer.citations
        for c in answer.citations:
            assert c.snippet and c.source


def assert_quotes_its_citations(answer: Answer) -> None:
    """An extractive answer: it has [n] markers, each resolves, and every cited sentence or list item
    is quoted from its citation's snippet, and every snippet from its passage (the answer says nothing
    the passages do not): the eval's check, `citation_problems`."""
    assert re.search(r"\[\d+\]", answer.text), answer.text
    assert citation_problems(answer) == [], answer.text
