"""The absent-word check of coverage (assistant/answering/coverage.py), with the real model: a question
that rests on a word no article uses, with no near word in the passages, is not covered; an unseen
word that is a circumstance, or that has a plain synonym in the passages, changes nothing."""

from __future__ import annotations

import pytest

from assistant.answering.coverage import AbsentCheck, focus_words
from assistant.search.keyword import tokenize
from assistant.types import Hit

SCALP = Hit(
    source="flaky-scalp.txt", title="Flaky scalp", section="Treatment",
    text="Wash your hair with a medicated shampoo two or three times a week. Leave the shampoo on "
    "your scalp for five minutes before you rinse it. Brushing the hair every day loosens the flakes.",
    url=None, score=1.0,
)
CRAMPS = Hit(
    source="night-cramps.txt", title="Cramps in the legs at night", section="Causes",
    text="A cramp is a sudden tightening of a muscle, most often in the calf. Cramps at night come with "
    "tired muscles, too little fluid, and sitting or standing for long hours.",
    url=None, score=1.0,
)
BOWELS = Hit(
    source="hard-stools.txt", title="Hard stools", section="What helps",
    text="If your stool is hard and you go less than three times a week, drink more water and eat "
    "more fibre. A warm drink in the morning can get the bowels moving.",
    url=None, score=1.0,
)


def _check(embedder, hits, min_similarity=0.5):
    words = tokenize(["\n".join(f"{h.title}\n{h.section}\n{h.text}" for h in hits)])[0]
    df = {w: 1 for w in words}
    return AbsentCheck(embedder, lambda: df, min_similarity)


def _absent(embedder, question, hits, **kw):
    return _check(embedder, hits, **kw).absent_focus(question, embedder.embed_query(question), hits)


def test_focus_words_drop_the_frame_possessives_and_repeats():
    assert focus_words("How do I get rid of athlete's foot?") == ["athlete", "foot"]
    assert focus_words("what causes kidney stones? kidney stones hurt") == ["kidney", "stones", "hurt"]
    assert focus_words("why does my knee click-clack") == ["knee", "click-clack"]


@pytest.mark.parametrize(
    "question, word",
    [
        ("How do I treat head lice?", "lice"),
        ("what shampoo kills lice", "lice"),
        ("my daughter has nits, what do I do", "nits"),
    ],
)
def test_a_question_resting_on_a_word_no_article_uses_is_flagged(embedder, question, word):
    assert _absent(embedder, question, [SCALP]) == word


@pytest.mark.parametrize(
    "question, hits",
    [
        ("my calf seized up in bed, why?", [CRAMPS]),  # "seized" is unseen, but the question rests on "calf"
        ("I haven't been able to poop for four days", [BOWELS]),  # "stool" is near "poop"
        ("I can't poop properly, what helps?", [BOWELS]),
        ("why do my flakes get worse when I wear black shirts", [SCALP]),  # a circumstance
    ],
)
def test_an_unseen_circumstance_or_a_lay_synonym_is_not_flagged(embedder, question, hits):
    assert _absent(embedder, question, hits) is None


def test_a_question_naming_the_subject_of_the_article_found_is_not_flagged(embedder):
    """The unseen word is a circumstance when the question names what the article is about."""
    letter = "Please help my brother in Martinique"
    assert _absent(embedder, letter + ", his scalp has been flaky for years", [SCALP]) is None
    assert _absent(embedder, letter, [SCALP]) == "martinique"  # without it, the island is all the question has


def test_a_switched_off_check_and_no_passages_flag_nothing(embedder):
    assert _absent(embedder, "How do I treat head lice?", [SCALP], min_similarity=0) is None
    assert _absent(embedder, "How do I treat head lice?", []) is None


def test_a_word_the_store_uses_is_never_absent(embedder):
    hits = [SCALP]
    check = AbsentCheck(embedder, lambda: {**{w: 1 for w in tokenize([SCALP.text])[0]}, "lice": 3}, 0.5)
    assert check.absent_focus("How do I treat head lice?", embedder.embed_query("How do I treat head lice?"), hits) is None


@pytest.mark.parametrize(
    "question, word",
    [
        ("How do I treat head lice?", "lice"),
        ("red lump on my eyelid, is it a stye", "stye"),
        ("a stye keeps coming back on my lower eyelid", "stye"),
        ("how do I treat a wart on my foot", "wart"),
    ],
)
def test_ask_refuses_what_the_cosines_alone_would_answer_and_names_the_word(shipped_bot, question, word):
    asker = shipped_bot.asker
    qv = shipped_bot.embedder.embed_query(question)
    hits = asker.retriever.search(question, 8, query_vector=qv, per_article=shipped_bot.settings.answer_per_article)
    assert asker._covered(question, hits, qv)  # the cosines land on a neighbour (dandruff, dry eyes, blisters)
    answer = shipped_bot.ask(question)
    assert not answer.covered, answer.text
    assert f"No article mentions “{word}”" in answer.text
    assert answer.citations  # the closest articles are still named
