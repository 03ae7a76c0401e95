"""The answer object: `ask` returns a `Response` that streams (after simonw/llm's), whose finished `Answer` is
frozen and carries what every interface shows (the question as searched, the notice, why it was refused)."""

from __future__ import annotations

import dataclasses

import pytest

from assistant import Answer, QuestionError, Refusal, Response, Turn
from assistant.web.app import passages_heading

CRAMPS = "why cramps at night?"


def test_ask_returns_a_finished_response_whose_fields_are_the_answers(shipped_bot):
    response = shipped_bot.ask(CRAMPS)
    assert isinstance(response, Response) and response.done
    answer = response.answer()
    assert isinstance(answer, Answer)
    assert (response.text, response.citations, response.covered) == (answer.text, answer.citations, True)
    assert response.notes == answer.notes and str(response) == str(answer)
    assert list(response) == [answer.text]  # not streamed: the whole text is its one piece
    with pytest.raises(dataclasses.FrozenInstanceError):
        answer.text = "edited"  # type: ignore[misc]


def test_a_streamed_response_gives_its_pieces_then_the_same_answer(shipped_bot):
    response = shipped_bot.ask(CRAMPS, stream=True)
    assert not response.done and response.searched == CRAMPS
    pieces = list(response)
    assert response.done and "".join(pieces) == response.text == shipped_bot.ask(CRAMPS).text
    assert list(response) == pieces  # iterating again replays them


def test_an_empty_question_fails_when_asked_even_streamed(shipped_bot):
    with pytest.raises(QuestionError):
        shipped_bot.ask("   ", stream=True)


def test_the_notice_is_known_before_the_text_and_is_not_a_piece(shipped_bot):
    question = "I have crushing chest pain, why cramps at night?"
    response = shipped_bot.ask(question, stream=True)
    assert response.notice and not response.done
    pieces = list(response)
    assert not pieces[0].startswith(response.notice)
    assert response.text == f"{response.notice}\n\n{''.join(pieces)}" and response.answer().notice == response.notice


def test_a_follow_up_carries_the_question_as_searched(shipped_bot):
    answer = shipped_bot.ask("how can I make them stop quickly?", history=[CRAMPS]).answer()
    same = shipped_bot.ask("how can I make them stop quickly?", history=[Turn("user", CRAMPS)]).answer()
    assert "cramps" in answer.searched and answer.searched != answer.question
    assert same.text == answer.text and same.searched == answer.searched
    heading = passages_heading(answer.question, answer)
    assert "Searched as:" in heading and "answered from the passages" in heading


def test_a_refused_answer_says_which_test_failed_with_its_figures(shipped_bot):
    answer = shipped_bot.ask("How do I treat head lice?").answer()
    assert not answer.covered and isinstance(answer.refusal, Refusal)
    assert answer.refusal.test in ("best cosine", "evidence", "absent subject", "absent word")
    assert answer.refusal.best is not None and str(answer.refusal)
    if answer.refusal.word:
        assert answer.refusal.word in str(answer.refusal)
    assert answer.offered == answer.citations
    heading = passages_heading(answer.question, answer)
    assert "not covered:" in heading and "best dense score" not in heading
    covered = shipped_bot.ask(CRAMPS).answer()
    assert covered.refusal is None and covered.offered == []


def test_the_qualifier_note_is_a_field_of_the_answer(shipped_bot):
    answer = shipped_bot.ask("is it safe to take ibuprofen for cramps at night while pregnant?").answer()
    [note] = answer.qualifier_notes
    assert "pregnancy" in note and answer.text.startswith(note)
    assert shipped_bot.ask(CRAMPS).answer().qualifier_notes == []


def test_response_of_a_finished_answer():
    answer = Answer("q", "**Call 999.**\n\nRest [1]", [], True, notice="**Call 999.**")
    response = Response.of(answer)
    assert list(response) == ["Rest [1]"] and response.answer() is answer and response.notice == answer.notice
