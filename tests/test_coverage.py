"""The absent-word check of coverage (assistant/answering/coverage.py), with the real model: a question
that rests on a word no article uses, with no near word in the passages, is not covered; an unseen
word that is a circumstance, a misspelling or has a plain synonym in the passages changes nothing."""

from __future__ import annotations

import pytest

from assistant.answering.coverage import MAX_FOCUS_WORDS, Coverage, asks_whether, focus_words
from assistant.config import Settings
from assistant.store.headings import HeadingIndex
from assistant.store.keyword import tokenize
from assistant.types import Hit


def _hit(title: str, text: str, section: str = "") -> Hit:
    """A passage of an article of its own (the file name from the title)."""
    return Hit(
        source=f"{title.lower().replace(' ', '-')}.txt", title=title, section=section, text=text, url=None, score=1.0
    )


SCALP = _hit(
    "Flaky scalp",
    "Wash your hair with a medicated shampoo two or three times a week. Leave the shampoo on "
    "your scalp for five minutes before you rinse it. Brushing the hair every day loosens the flakes.",
    section="Treatment",
)
CRAMPS = _hit(
    "Cramps in the legs at night",
    "A cramp is a sudden tightening of a muscle, most often in the calf. Cramps at night come with "
    "tired muscles, too little fluid, and sitting or standing for long hours.",
    section="Causes",
)
BOWELS = _hit(
    "Hard stools",
    "If your stool is hard and you go less than three times a week, drink more water and eat "
    "more fibre. A warm drink in the morning can get the bowels moving.",
    section="What helps",
)


def _coverage(embedder, hits, min_similarity=0.5, extra=None):
    """Coverage over a store whose only words are those of these passages (plus `extra`)."""
    words = tokenize(["\n".join(f"{h.title}\n{h.section}\n{h.text}" for h in hits)])[0]
    df = {**{w: 1 for w in words}, **(extra or {})}
    index = HeadingIndex([], None, 0, df=df, n_docs=100)
    return Coverage(Settings.from_env(absent_word_similarity=min_similarity), embedder, None, lambda: index)


def _absent(embedder, question, hits, **kw):
    return _coverage(embedder, hits, **kw).absent_focus(question, embedder.embed_query(question), hits)


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


LOCKED_IN = _hit(
    "Locked-in syndrome",
    "People with this condition are awake and aware but cannot move or speak; most can blink and "
    "move their eyes, and devices that follow the eyes let them communicate.",
)


def test_a_question_naming_the_subject_of_the_article_found_is_not_flagged(embedder):
    """The unseen word is a circumstance when the question names what the article is about; the same
    question over an article it does not name is flagged."""
    letter = "please help my brother with locked-in syndrome in Martinique"
    assert _absent(embedder, letter, [LOCKED_IN]) is None
    unnamed = Hit(**{**LOCKED_IN.__dict__, "title": "Living with paralysis"})
    assert _absent(embedder, letter, [unnamed]) == "martinique"


def test_a_body_part_shared_with_the_title_does_not_exempt_the_question(embedder):
    eyes = _hit(
        "Dry, tired eyes from screens",
        "Blink often, rest your eyes every twenty minutes and use lubricating drops.",
        section="What helps",
    )
    assert _absent(embedder, "how do I get rid of a stye on my eye", [eyes]) == "stye"


def test_a_misspelling_of_a_passage_word_is_not_absent(embedder):
    asthma = _hit(
        "Asthma",
        "Asthma is treated with a reliever inhaler for attacks and a preventer inhaler every day.",
        section="Treatment",
    )
    assert _absent(embedder, "my son has asthama, what should we do", [asthma]) is None
    assert _absent(embedder, "my son has croup, what should we do", [asthma]) == "croup"


def test_a_switched_off_check_no_passages_and_letters_flag_nothing(embedder):
    assert _absent(embedder, "How do I treat head lice?", [SCALP], min_similarity=0) is None
    assert _absent(embedder, "How do I treat head lice?", []) is None
    letter = "How do I treat head lice? " + " ".join(f"thing{chr(97 + i)}z" for i in range(MAX_FOCUS_WORDS))
    assert len(focus_words(letter)) > MAX_FOCUS_WORDS
    assert _absent(embedder, letter, [SCALP]) is None


def test_a_word_the_store_uses_is_never_absent(embedder):
    check = _coverage(embedder, [SCALP], extra={"lice": 3})
    qv = embedder.embed_query("How do I treat head lice?")
    assert check.absent_focus("How do I treat head lice?", qv, [SCALP]) is None


@pytest.mark.parametrize(
    "question, word",
    [
        ("How do I treat head lice?", "head lice"),
        ("red lump on my eyelid, is it a stye", "stye"),
        ("a stye keeps coming back on my lower eyelid", "stye"),
        ("how do I treat a wart on my foot", "wart"),
    ],
)
def test_ask_refuses_what_the_cosines_alone_would_answer_and_names_the_word(shipped_bot, question, word):
    answer = shipped_bot.ask(question)
    best, focus = shipped_bot.evidence(question, answer.hits)
    settings = shipped_bot.settings
    assert best >= settings.min_score and best + focus >= settings.min_evidence  # the cosines alone would answer
    assert not answer.covered, answer.text
    assert f"No article here mentions “{word}”" in answer.text
    assert answer.citations  # the closest articles are still named


@pytest.mark.parametrize(
    "question",
    ["my lower back hurts after gardening", "muscle soreness after crossfit", "lower back pain from a trampoline"],
)
def test_a_strong_match_is_answered_though_it_names_something_no_article_mentions(shipped_bot, question):
    """A circumstance can carry a short question's meaning as much as a condition does; a question
    that matches its article strongly is answered on the cosines (Settings.absent_max_evidence)."""
    answer = shipped_bot.ask(question)
    assert answer.covered, answer.text
    best, focus = shipped_bot.evidence(question, answer.hits)
    assert best + focus >= shipped_bot.settings.absent_max_evidence


@pytest.mark.parametrize(
    "question, subject, asks",
    [
        ("my fingers went white and numb after a winter walk, is it frostbite", "frostbite", True),
        ("painful rash in a band on my back, could this be shingles?", "shingles", True),
        ("itchy at night between my fingers, do I have scabies", "scabies", True),
        ("big toe red and swollen overnight, have I got gout", "gout", True),
        ("Is it a stye?", "stye", True),
        ("do i need an xray for my heel? my mate reckons its a heel spur", "heel spur", False),  # not asked
        ("how do I warm up fingers with frostbite", "frostbite", False),
        ("is it ok to pop a blister from frostbite", "frostbite", False),
    ],
)
def test_asks_whether_the_trouble_is_a_named_condition(question, subject, asks):
    assert asks_whether(question, subject) is asks


CHILBLAINS = """Chilblains

Chilblains are small, itchy, red or purple swellings on the skin. They come up after the skin has been cold and then
warms up too fast, most often on the toes and fingers.

What brings them on

Cold, damp weather and poor circulation make them more likely. Warming cold feet in front of a fire or with a hot
water bottle can set them off.

Looking after them

Keep your hands and feet warm with gloves and thick socks. Do not scratch them. A soothing lotion such as calamine
eases the itch.

When to see a GP

See a GP if the skin breaks, if chilblains keep coming back, or if they have not healed after two weeks.
"""


def test_a_question_asking_whether_it_is_a_condition_no_article_names_is_refused_and_names_it(make_bot, tmp_path):
    """Asked "is it frostbite?" over an article on chilblains alone: the description around the name carries more of the
    question than the name does (salience 0.09), so only that the question asks about it tells that chilblains
    advice would answer a question the person did not ask."""
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "chilblains.txt").write_text(CHILBLAINS)
    bot = make_bot()
    bot.ingest(folder)
    answer = bot.ask("my fingers went white and numb and hard after a winter hill walk, is it frostbite")
    assert not answer.covered, answer.text
    assert "No article here mentions “frostbite”" in answer.text
    assert [c.source for c in answer.citations] == ["chilblains.txt"]  # offered, not answered from
