"""Follow-up questions without an LLM: the earlier questions' topic is folded into the query."""

from __future__ import annotations

from dataclasses import dataclass

from assistant.history import as_turns as chat_turns
from assistant.history import message_text
from assistant.search.conversation import fold_question, is_follow_up, previous_questions, topic_words

CRAMPS = "why cramps at night?"
FOLLOW_UP = "how can I make them stop quickly?"
QUICK_RELIEF = "The fastest ways to stop a leg cramp"


def test_short_or_referring_questions_are_follow_ups():
    assert is_follow_up(FOLLOW_UP)  # "them"
    assert is_follow_up("what about during pregnancy?")  # opener
    assert is_follow_up("how long?")  # too short to stand alone
    assert is_follow_up("and for children?")


def test_standalone_questions_are_left_alone():
    for q in ("how do I stop snoring?", "Is there a cure for hiccups?", CRAMPS,
              "is it true that magnesium tablets stop night cramps in older people?"):
        assert not is_follow_up(q), q
        assert fold_question(q, [CRAMPS]) == q


def test_follow_up_gets_the_topic_of_the_earlier_question():
    folded = fold_question(FOLLOW_UP, [CRAMPS])
    assert folded.startswith(FOLLOW_UP)
    assert "cramps" in folded and "night" in folded


def test_no_history_means_no_folding():
    assert fold_question(FOLLOW_UP, []) == FOLLOW_UP
    assert fold_question(FOLLOW_UP, None) == FOLLOW_UP


def test_topic_carries_through_a_chain_of_follow_ups_and_stops_at_a_new_subject():
    assert topic_words([CRAMPS, FOLLOW_UP])[:2] == ["stop", "quickly"]
    assert {"cramps", "night"} <= set(topic_words([CRAMPS, FOLLOW_UP]))
    # A new standalone subject ends the old topic.
    assert "cramps" not in topic_words([CRAMPS, "how do I stop snoring?"])


def test_history_formats_gradio_messages_pairs_and_strings():
    messages = [
        {"role": "user", "content": [{"type": "text", "text": CRAMPS}]},
        {"role": "assistant", "content": "Cold, tired muscles ... [1]"},
        {"role": "user", "content": "how do I stop snoring?"},
    ]
    assert previous_questions(messages) == [CRAMPS, "how do I stop snoring?"]
    assert previous_questions([(CRAMPS, "answer")]) == [CRAMPS]
    assert previous_questions([CRAMPS, "  "]) == [CRAMPS]
    assert fold_question(FOLLOW_UP, messages[:2]) == fold_question(FOLLOW_UP, [CRAMPS])


@dataclass
class _Message:  # a message object with role and content attributes (Gradio's ChatMessage is one)
    role: str
    content: object


def test_chat_turns_reads_every_form_of_history():
    said = "Night cramps often follow dehydration [1]."
    assert chat_turns([{"role": "user", "content": CRAMPS}, {"role": "assistant", "content": said}]) == [
        ("user", CRAMPS), ("assistant", said)]
    assert chat_turns([("hi there", "hello"), ("q", None)]) == [("user", "hi there"), ("assistant", "hello"), ("user", "q")]
    assert chat_turns([{"role": "user", "content": [{"type": "text", "text": "multi"}]}]) == [("user", "multi")]
    assert chat_turns([CRAMPS, "  "]) == [("user", CRAMPS)]  # plain strings are the user's questions
    assert chat_turns([_Message("user", "a  question\n here"), _Message("system", "be brief")]) == [
        ("user", "a question here"), ("assistant", "be brief")]  # whitespace made single; any other role: assistant
    assert chat_turns([42, {"role": "user", "content": None}]) == []
    assert chat_turns(None) == []


def test_message_text_takes_text_parts_only():
    assert message_text([{"type": "text", "text": "a"}, {"type": "image", "text": "alt"}, "b", {"content": "c"}]) == "a b c"
    assert message_text({"path": "/tmp/x.png", "mime_type": "image/png"}) == ""  # a file has no text
    assert message_text(None) == ""


def test_follow_up_cites_the_quick_relief_section(shipped_bot):
    """The issue's case: after 'why cramps at night?', the follow-up is about stopping cramps."""
    history = [{"role": "user", "content": CRAMPS}, {"role": "assistant", "content": str(shipped_bot.ask(CRAMPS))}]
    answer = shipped_bot.ask(FOLLOW_UP, history=history)
    assert answer.covered
    cited = {(c.source, c.section) for c in answer.citations}
    assert ("leg-cramps-at-night.txt", QUICK_RELIEF) in cited, cited
    assert "stretch" in answer.text.lower()


def test_without_the_conversation_the_follow_up_goes_elsewhere(shipped_bot):
    """Shows the folding is what makes the difference (the bare question has no topic)."""
    hits = shipped_bot.search(FOLLOW_UP, k=3)
    assert (hits[0].source, hits[0].section) != ("leg-cramps-at-night.txt", QUICK_RELIEF)
    folded = shipped_bot.search(fold_question(FOLLOW_UP, [CRAMPS]), k=3)
    assert (folded[0].source, folded[0].section) == ("leg-cramps-at-night.txt", QUICK_RELIEF)
