"""The parts behind ChatApp on their own: the ratings' memory of answers, the Sources block of an answer."""

from __future__ import annotations

from types import SimpleNamespace

from assistant.types import Answer, Citation, Hit
from assistant.web import ratings as ratings_module
from assistant.web.feedback import read_feedback
from assistant.web.ratings import Ratings
from assistant.web.render import NOT_RANKED, render_answer

LIST_PASSAGE = (
    "Night cramps have a few common causes.\n\n"
    "1. Cold: A cold bedroom can trigger leg cramps.\n\n"
    "2. Tired muscles: A long walk leaves the calves overworked.\n\n"
    "3. Too much rest: Lying still for long stiffens the muscles."
)


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


def _cited(text: str, passage: str, **scores) -> Answer:
    hit = Hit(source="c.txt", title="Cramps", section="Causes", text=passage, url=None, root="/r", **scores)
    return Answer("q", text, [Citation.of(1, hit, passage)], covered=True, hits=[hit])


def test_a_quoted_numbered_list_keeps_its_lines_and_marks_the_cited_items():
    answer = _cited("- Tired muscles: A long walk leaves the calves overworked. [1]", LIST_PASSAGE, score=0.03,
                    dense_score=0.71)
    for html in (True, False):
        markdown = render_answer(answer, html=html).markdown
        quote = [line for line in markdown.split("\n") if line.startswith(">")]
        cited = "<mark>Tired muscles: A long walk leaves the calves overworked.</mark>" if html else \
            "**Tired muscles: A long walk leaves the calves overworked.**"
        assert quote == [
            "> Night cramps have a few common causes.", ">", "> 1. Cold: A cold bedroom can trigger leg cramps.", ">",
            f"> 2. {cited}", ">", "> 3. Too much rest: Lying still for long stiffens the muscles.",
        ]
        assert "relevance 0.71" in markdown


def test_a_passage_the_answer_added_is_labelled_as_added_not_given_a_relevance():
    """The when-to-see-a-doctor passage closes an answer without being ranked: no search scored it."""
    answer = _cited("See a doctor if cramps keep waking you up. [1]", "See a doctor if cramps keep waking you up.",
                    score=0.0)
    for html in (True, False):
        rendered = render_answer(answer, html=html)
        assert NOT_RANKED in rendered.markdown and "relevance" not in rendered.markdown
        assert rendered.sources[0].as_dict()["relevance"] is None


def test_the_doctor_line_of_a_real_answer_has_no_relevance_of_zero(shipped_bot):
    answer = shipped_bot.ask("why cramps at night?")
    markdown = render_answer(answer).markdown
    assert "When to see a doctor" in markdown and NOT_RANKED in markdown
    assert "relevance 0.00" not in markdown
