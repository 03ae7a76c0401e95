"""Misspelt words of a question read as the articles' words (assistant/answering/spelling.py), over the real
shipped corpus and model: corrected and noted, never a word of English, a contraction or a plural."""

from __future__ import annotations

import shutil

import pytest

from assistant import Settings
from assistant.answering.spelling import Spelling


def test_a_misspelt_word_is_read_as_the_articles_word_and_the_answer_says_so(shipped_bot):
    typed = shipped_bot.ask("how do i stop a nosbleed")
    right = shipped_bot.ask("how do i stop a nosebleed")
    assert "Read “nosbleed” as “nosebleed”." in typed.notes
    assert typed.covered and typed.citations[0].source == right.citations[0].source == "nosebleeds.txt"
    assert typed.text == right.text


def test_search_reads_the_misspelling_too(shipped_bot):
    assert shipped_bot.search("dandruf flakes", k=1)[0].source == "dandruff.txt"


@pytest.mark.parametrize(
    ("typed", "read_as"),
    [
        ("Nosbleed again?", "Nosebleed again?"),  # the case as typed
        ("HICUPS for an hour", "HICCUPS for an hour"),
        ("sunburn on my sholders and a nosbleed", "sunburn on my shoulders and a nosebleed"),  # each word
    ],
)
def test_the_correction_keeps_the_rest_of_the_question_as_typed(shipped_bot, typed, read_as):
    assert shipped_bot.asker.spelling.correct(typed)[0] == read_as


@pytest.mark.parametrize(
    "question",
    [
        "How do I get a tick off?",  # English, in no article: the coverage check must still see "tick"
        "i dont stretch and my legs cramp, thats why?",  # apostrophes left out
        "my 4 year olds keep getting nosebleeds",  # a plural the word list does not give
        "hay fever and my GP says its fine",  # short words
        "is a cold or flu worse for a 10yo",  # letters after a number ("yo") are a short word
        "does snus cause mouth ulcers",  # not in the English list, but too short to correct ("sinus")
        "my vaper friend has a cough",  # "paper" changes the first letter: not a typing slip
        "is the paleo diet good for cramps",  # "pale" drops a letter of what was typed
    ],
)
def test_words_that_are_not_misspellings_stay_as_typed(shipped_bot, question):
    assert shipped_bot.asker.spelling.correct(question) == (question, [])


def test_a_real_word_no_article_uses_is_still_named_in_the_refusal(shipped_bot):
    answer = shipped_bot.ask("How do I get a tick off my leg?")
    assert not answer.covered and not any(n.startswith("Read ") for n in answer.notes)


def test_a_word_with_no_article_word_one_edit_away_stays_as_typed(shipped_bot):
    assert shipped_bot.asker.spelling.correct("zxqvbnm cramps") == ("zxqvbnm cramps", [])


def _folder(tmp_path, corpus_copy, *names):
    folder = tmp_path / "articles"
    folder.mkdir(exist_ok=True)
    for name in names:
        shutil.copy(corpus_copy / name, folder / name)
    return folder


def test_the_setting_turns_it_off(make_bot, corpus_copy, tmp_path):
    bot = make_bot(spelling=False)
    bot.ingest(_folder(tmp_path, corpus_copy, "nosebleeds.txt"))
    answer = bot.ask("how do i stop a nosbleed")
    assert not any(n.startswith("Read ") for n in answer.notes)
    assert Settings.from_env().spelling and not bot.settings.spelling


def test_the_articles_words_follow_an_ingest(make_bot, corpus_copy, tmp_path):
    """The store's words are counted per generation: a word that a new article brings is a correction after it."""
    bot = make_bot()
    bot.ingest(_folder(tmp_path, corpus_copy, "nosebleeds.txt"))
    spelling: Spelling = bot.asker.spelling
    assert spelling.correct("hicups after dinner") == ("hicups after dinner", [])
    bot.ingest(_folder(tmp_path, corpus_copy, "hiccups.txt"))
    assert spelling.correct("hicups after dinner")[0] == "hiccups after dinner"
