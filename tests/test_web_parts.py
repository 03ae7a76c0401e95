"""The parts behind ChatApp on their own: the ratings' memory of answers."""

from __future__ import annotations

from types import SimpleNamespace

from assistant.types import Answer
from assistant.web import ratings as ratings_module
from assistant.web.feedback import read_feedback
from assistant.web.ratings import Ratings
from assistant.web.render import render_answer


def _answer(text: str) -> Answer:
    return Answer(question="q", text=text, citations=[], covered=True, notes=["a note"], backend="openai:test")


def test_a_rating_is_saved_with_the_answer_as_it_was_while_it_is_remembered(tmp_path, monkeypatch):
    monkeypatch.setattr(ratings_module, "RECORDS_KEPT", 2)
    ratings = Ratings(SimpleNamespace(store_dir=tmp_path))
    shown = []
    for i in range(3):
        answer = _answer(f"Answer number {i}.")
        rendered = render_answer(answer)
        ratings.remember(rendered.markdown, f"question {i}?", answer, rendered)
        shown.append(rendered.markdown)

    kept = ratings.record(shown[2], "what the page says was asked", liked=True)
    assert kept["question"] == "question 2?"  # the remembered question, not the fallback
    assert kept["backend"] == "openai:test" and kept["notes"] == ["a note"] and kept["covered"] is True

    forgotten = ratings.record(shown[0], "what the page says was asked", liked="wrong dose")  # evicted: over 2 kept
    assert forgotten["question"] == "what the page says was asked"
    assert forgotten["answer"].startswith("Answer number 0.")
    assert "backend" not in forgotten
    assert [(r["rating"], r.get("feedback")) for r in read_feedback(tmp_path)] == [("like", None), ("like", "wrong dose")]
