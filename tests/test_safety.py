"""The urgent-warning-signs list: what it catches, what it must leave alone."""

from __future__ import annotations

import pytest

from assistant.answering.safety import WARNING_SIGNS, urgent_notice, warning_signs
from assistant.ingest.articles import SUPPORTED_EXTENSIONS, parse_article

from .helpers_data import CORPUS

URGENT = [
    ("I have chest pain and my left arm feels numb", "chest pain"),
    ("crushing pressure in my chest when I climb stairs", "chest pain"),
    ("Is this a heart attack?", "chest pain"),
    ("my son is having trouble breathing after a bee sting", "trouble breathing"),
    ("I can't breathe properly when lying down", "trouble breathing"),
    ("sudden shortness of breath at rest", "trouble breathing"),
    ("my dad's face is drooping and his speech is slurred", "stroke"),
    ("sudden weakness on one side of the body", "stroke"),
    ("worst headache of my life came on in seconds", "stroke"),
    ("I keep having suicidal thoughts", "suicide"),
    ("I want to kill myself", "suicide"),
    ("I've been cutting myself", "self-harm"),
    ("a nosebleed that won't stop after 30 minutes", "bleeding"),
    ("heavy bleeding from a cut on my leg", "bleeding"),
    ("coughing up blood this morning", "bleeding"),
    ("my throat is swelling after eating peanuts", "allergic"),
    ("got a rash and now my lips r swelling up a bit", "allergic"),
    ("his tongue has gone all swollen after the wasp sting", "allergic"),
    ("her throat started to close after the prawns", "allergic"),
    ("my throat feels like it's closing up", "allergic"),
    ("she fainted and is unresponsive", "seizure"),
    ("my toddler swallowed bleach", "poisoning"),
    ("a deep burn from boiling oil on my arm", "burns"),
]

NOT_URGENT = [
    "why cramps at night?",
    "Why do I get leg cramps at night?",
    "how can I make them stop quickly?",
    "breathing exercises for stress",
    "How do I stop a nosebleed?",
    "what helps a tension headache?",
    "is it a cold or the flu?",
    "how long does mild food poisoning last?",
    "which shoes prevent blisters? are well-fitting trainers better?",
    "heartburn after dinner",
    "how much water should I drink when it is hot?",
    "can snoring be stopped?",
    "my face gets red and blotchy when I drink wine",
    "sore throat and swollen glands in my neck",
    "my throat has swollen glands and it hurts",
    "my tongue has swollen taste buds",
    "is it normal for my face to swell in pregnancy?",
    "my face got swollen after the dentist",
    "what is the best stroke for swimming with a sore back",  # not 'stroke' the illness, but we accept this one
]


@pytest.mark.parametrize(("question", "kind"), URGENT)
def test_urgent_questions_get_a_notice(question, kind):
    notice = urgent_notice(question)
    assert notice is not None, question
    assert "emergency" in notice
    names = " ".join(s.name for s in warning_signs(question))
    assert kind.split()[-1] in names


@pytest.mark.parametrize("question", [q for q in NOT_URGENT if "swimming" not in q])
def test_everyday_questions_get_no_notice(question):
    assert urgent_notice(question) is None, [s.name for s in warning_signs(question)]


def test_known_false_positive_is_documented():
    # A deliberately conservative list: "stroke" in another sense still triggers the notice.
    # Showing a needless notice is cheaper than missing a real stroke.
    assert urgent_notice("what is the best stroke for swimming with a sore back") is not None


def test_suicidal_thoughts_name_a_crisis_line():
    assert "crisis line" in urgent_notice("I have been thinking about suicide")
    assert "crisis line" not in urgent_notice("I have chest pain")


def test_several_signs_are_all_named():
    notice = urgent_notice("chest pain and I can't breathe")
    assert "chest pain" in notice and "trouble breathing" in notice


def test_curly_apostrophes_and_odd_input():
    assert urgent_notice("I can’t breathe") is not None
    assert urgent_notice("") is None
    assert urgent_notice(None) is None  # type: ignore[arg-type]


def test_no_shipped_article_title_or_heading_triggers_a_notice():
    """Questions echo article titles and headings: none of the everyday topics may raise an alarm."""
    checked = 0
    for path in sorted(CORPUS.iterdir()):
        if path.suffix.lower() not in SUPPORTED_EXTENSIONS:
            continue
        article = parse_article(path.read_bytes(), source=path.name)
        for text in [article.title, *(s.heading for s in article.sections if s.heading)]:
            checked += 1
            assert urgent_notice(text) is None, (path.name, text)
    assert checked > 40


def test_every_sign_has_a_name_and_is_exercised():
    covered = {s.name for q, _ in URGENT for s in warning_signs(q)}
    missing = [s.name for s in WARNING_SIGNS if s.name not in covered]
    assert not missing
