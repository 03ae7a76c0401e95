"""Plain-language questions over the shipped corpus, with the real model: the right article first,
the answer leading with the section that answers the question's kind, honest "not covered", and a
note when the question is about someone the cited passages do not mention (issue 11).

Each example quoted in the issue is checked with two more wordings of our own (not in the probe,
evals/corpus_probe.jsonl), so the tests hold for the kind of question, not one phrasing."""

from __future__ import annotations

import pytest

from assistant.answering.extractive import CUE_BONUS, KIND_BONUS, ExtractiveAnswerer, Unit, says_something, split_units
from assistant.eval.metrics import citation_problems
from assistant.search.intent import (
    CAUSE,
    DIAGNOSIS,
    DOCTOR,
    DURATION,
    PREVENTION,
    TREATMENT,
    answers_kind,
    question_kind,
    section_kinds,
    sentence_answers,
)
from assistant.types import Hit


def _lead(answer):
    assert answer.covered, answer.text
    assert citation_problems(answer) == []
    return answer.citations[0]


# --- the right article first -----------------------------------------------------------------

FIRST_ARTICLE = [
    ("tight band around my head at the end of the work day", "tension-headache.html"),
    ("by five o'clock it feels like my head is squeezed in a tight band", "tension-headache.html"),
    ("dull pressure like a headband around my skull after hours at the computer", "tension-headache.html"),
    ("I haven't been able to poop for four days", "constipation.txt"),
    ("it's been a week since I last went to the toilet properly and it hurts to go", "constipation.txt"),
    ("can't go number two and my stool is hard as rock", "constipation.txt"),
    ("every spring I sneeze and my eyes itch", "seasonal-allergies-hay-fever.md"),
    ("when the trees blossom my nose streams and my eyes get itchy", "seasonal-allergies-hay-fever.md"),
    ("sneezing non stop every May when the grass is cut", "seasonal-allergies-hay-fever.md"),
]


@pytest.mark.parametrize(("question", "source"), FIRST_ARTICLE)
def test_plain_language_questions_find_the_right_article_first(shipped_bot, question, source):
    hits = shipped_bot.search(question, k=5)
    assert hits[0].source == source, [(h.source, h.section) for h in hits]


# --- the answer leads with the section that answers -------------------------------------------

LEADS = [
    ("why do I get cramps at night?", "leg-cramps-at-night.txt", "Causes of leg cramps at night"),
    (
        "what makes my legs cramp up in the middle of the night",
        "leg-cramps-at-night.txt",
        "Causes of leg cramps at night",
    ),
    (
        "why does my calf muscle tighten painfully while I sleep?",
        "leg-cramps-at-night.txt",
        "Causes of leg cramps at night",
    ),
    ("How do I get rid of hiccups fast?", "hiccups.txt", "Simple ways to stop hiccups"),
    ("what can I do to make my hiccups go away right now", "hiccups.txt", "Simple ways to stop hiccups"),
    ("got the hiccups at work, how do I stop them", "hiccups.txt", "Simple ways to stop hiccups"),
    ("My partner says I snore really loudly, what helps?", "snoring.txt", "How to stop snoring"),
    ("my husband's snoring keeps me awake, what can he do about it", "snoring.txt", "How to stop snoring"),
    ("how can I stop snoring so loud", "snoring.txt", "How to stop snoring"),
    ("How long should I pinch my nose when it bleeds?", "nosebleeds.txt", "First aid to stop a nosebleed"),
    ("for how many minutes do you squeeze your nose in a nosebleed", "nosebleeds.txt", "First aid to stop a nosebleed"),
    ("my son has a bloody nose, how long should I press it", "nosebleeds.txt", "First aid to stop a nosebleed"),
    # a duration question about doing something is answered by the section that says how to do it
    ("how many seconds should I wash my hands for", "hand-washing-preventing-infection.html", "How to wash your hands properly"),
    ("how long is long enough when washing your hands", "hand-washing-preventing-infection.html", "How to wash your hands properly"),
]


@pytest.mark.parametrize(("question", "source", "section"), LEADS)
def test_the_answer_leads_with_the_section_that_answers_the_question(shipped_bot, question, source, section):
    lead = _lead(shipped_bot.ask(question))
    assert (lead.source, lead.section) == (source, section)


@pytest.mark.parametrize(
    "question",
    ["How long should I pinch my nose when it bleeds?", "for how many minutes do you squeeze your nose in a nosebleed"],
)
def test_a_how_long_question_quotes_the_duration(shipped_bot, question):
    answer = shipped_bot.ask(question)
    first_block = answer.text.split("\n\n")[0]
    assert "10" in first_block and "minutes" in first_block, answer.text


@pytest.mark.parametrize(
    "question", ["how many seconds should I wash my hands for", "how long should hand washing take before eating"]
)
def test_a_how_long_question_about_a_routine_quotes_its_duration_first(shipped_bot, question):
    first_sentence = shipped_bot.ask(question).text.split(". ")[0]
    assert "20 seconds" in first_sentence, first_sentence


def test_a_self_care_answer_closes_with_the_when_to_see_a_doctor_line(shipped_bot):
    answer = shipped_bot.ask("How do I get rid of hiccups fast?")
    last = answer.citations[-1]
    assert (last.source, last.section) == ("hiccups.txt", "When hiccups need a doctor")
    assert f"[{last.n}]" in answer.text.split("\n\n")[-1]
    assert citation_problems(answer) == []


def test_list_items_stay_a_list_and_no_fragment_is_glued_to_the_next_sentence(shipped_bot):
    for q in (
        "How do I get rid of hiccups fast?", "what helps a migraine attack", "why do I get cramps at night?",
        "Can I take ibuprofen for a migraine while pregnant?", "which painkillers work for a migraine",
    ):
        answer = shipped_bot.ask(q)
        for line in answer.text.split("\n"):
            # a marker ends a line or is followed by a new sentence after a full stop: "starts [1] Avoid"
            # (an unfinished unit glued to the next) never appears
            for piece in line.split("] ")[:-1]:
                before = piece.rsplit(" [", 1)[0]
                assert before.rstrip()[-1:] in ".!?\"')", (q, line)


# --- honest coverage --------------------------------------------------------------------------

_NEAR_TOPIC = pytest.mark.xfail(
    strict=True,
    reason="known limit (docs/EVAL.md): a condition the corpus lacks, described in words it does use (bugs in the "
    "scalp, fungus on the feet, a sore tooth near the cold and mouth-ulcer articles), lands as close to the "
    "dandruff / blister articles as plain-language questions they do answer; a condition *named* in a word no "
    "article uses (lice, stye, wart) is refused by the absent-word check (assistant/answering/coverage.py)",
)
NOT_COVERED = [
    "How do I treat head lice?",
    "what gets rid of nits and lice in a child's hair",
    pytest.param("little bugs crawling in my scalp, how to kill them", marks=_NEAR_TOPIC),
    "What causes kidney stones?",
    "why do people get stones in their kidneys",
    "what leads to a kidney stone forming",
    "How do I get rid of athlete's foot?",  # named: "athlete's foot" is a condition no article mentions
    pytest.param("best cream for athletes foot fungus", marks=_NEAR_TOPIC),
    "how do I cure a fungal infection on my feet",
    pytest.param("My tooth hurts when I drink something cold", marks=_NEAR_TOPIC),
    pytest.param("sharp pain in a back tooth when I drink iced water", marks=_NEAR_TOPIC),
    pytest.param("why does cold food make my teeth ache", marks=_NEAR_TOPIC),
]


@pytest.mark.parametrize("question", NOT_COVERED)
def test_health_questions_the_corpus_does_not_cover_are_refused(shipped_bot, question):
    answer = shipped_bot.ask(question)
    assert not answer.covered, answer.text
    assert "do not cover" in answer.text and answer.citations  # the closest articles are named


@pytest.mark.parametrize(
    "question",
    [
        "I got burnt at the beach, what helps the sting?",
        "skin is red and burning after a day in the sun, how to soothe it",
        "what calms sunburned skin",
    ],
)
def test_a_plain_sunburn_question_is_answered_from_the_sunburn_article(shipped_bot, question):
    lead = _lead(shipped_bot.ask(question))
    assert (lead.source, lead.section) == ("sunburn.txt", "How to soothe sunburn at home")


@pytest.mark.parametrize(
    "question",
    [
        "I have chest pain and my left arm hurts",
        "my chest feels tight and the pain goes down my arm",
        "crushing chest pain spreading to my jaw",
    ],
)
def test_chest_pain_gets_the_notice_and_the_heart_warning_signs_never_unrelated_advice(shipped_bot, question):
    answer = shipped_bot.ask(question)
    assert answer.text.startswith("**"), answer.text  # the urgent-care notice comes first
    assert all(c.source != "lower-back-pain.html" for c in answer.citations), answer.text
    if answer.covered:
        assert (answer.citations[0].source, answer.citations[0].section) == (
            "heartburn-acid-reflux.md",
            "Is it heartburn or a heart problem?",
        )


# --- who the question is about ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("question", "word"),
    [
        ("Can I take ibuprofen for a migraine while pregnant?", "pregnancy"),
        ("I'm expecting, what can I take for a migraine attack", "pregnancy"),
        ("I'm nursing my baby, which painkiller can I use for a migraine", "pregnancy"),
        ("my 6 year old gets tension headaches after school, what helps", "children"),
        ("my elderly mother has a tension headache most days, what helps", "older people"),
    ],
)
def test_a_qualifier_no_cited_passage_mentions_gets_a_note(shipped_bot, question, word):
    answer = shipped_bot.ask(question)
    assert answer.covered
    note = answer.text.split("\n\n")[0]  # who is asking comes first
    named = {"pregnancy": "in pregnancy", "children": "for children", "older people": "for older people"}[word]
    assert f"do not mention {word}" in note or f"applies to {word}" in note or named in note, answer.text
    assert citation_problems(answer) == []


@pytest.mark.parametrize(
    "question",
    [
        "is constipation common when you are pregnant and what helps",  # the article speaks of pregnancy
        "my 4 year old is constipated, what should I do",  # ... and of children
        "what helps heartburn during pregnancy",
    ],
)
def test_no_note_when_a_cited_passage_speaks_of_the_qualifier(shipped_bot, question):
    answer = shipped_bot.ask(question)
    assert answer.covered
    assert "do not mention" not in answer.text and "applies to" not in answer.text, answer.text


# --- units that carry no answer -------------------------------------------------------------------


def _unit(text: str, item: bool = False) -> Unit:
    return Unit(0, 0, len(text), text, item)


@pytest.mark.parametrize(
    "text",
    [
        "Coffin-Lowry syndrome: clinical and molecular features.",
        "Aplenzin® Budeprion® SR Budeprion® XL Forfivo® XL Wellbutrin®",
        "Smith J, et al. Night cramps in older adults. J Fam Pract. 2012;61(3):12-18.",
        "and then it spreads to the rest of the leg.",
        "How might oral lichen planus be treated?",
    ],
)
def test_reference_titles_name_lists_and_cut_sentences_are_never_quoted(text):
    assert not says_something(_unit(text))


@pytest.mark.parametrize(
    ("text", "item"),
    [
        ("Stretch your calf before bed.", False),
        ("dark yellow, strong-smelling urine", True),
        ("Ibuprofen and paracetamol ease the pain of a tension headache.", False),
        ("Several everyday things strip moisture from the lips:", False),  # a list's lead-in, not a title
    ],
)
def test_sentences_and_short_list_items_that_answer_are_kept(text, item):
    assert says_something(_unit(text, item))


def test_a_sentence_repeated_under_many_titles_is_boilerplate_and_never_quoted(make_bot, tmp_path, embedder):
    corpus = tmp_path / "articles"
    corpus.mkdir()
    footer = "The following resources provide information relating to diagnosis and testing for this condition."
    topics = ["gout", "psoriasis", "asthma", "eczema", "anaemia"]
    for t in topics:
        (corpus / f"{t}.md").write_text(
            f"# {t.title()}\n\n## How is {t} diagnosed?\n\n{footer} A doctor diagnoses {t} from the history "
            f"and an examination, and sometimes a blood test that looks for signs of {t}.\n",
            encoding="utf-8",
        )
    bot = make_bot()
    bot.ingest([corpus])
    assert bot.stats().is_boilerplate(footer)
    answer = bot.ask("how is gout diagnosed")
    assert answer.covered and footer not in answer.text, answer.text


# --- the kinds of questions and sections ------------------------------------------------------


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("why do my feet cramp at night", CAUSE),
        ("what's behind my headaches", CAUSE),
        ("what helps a sore throat", TREATMENT),
        ("how do I get rid of dandruff", TREATMENT),
        ("how can I prevent blisters on a hike", PREVENTION),
        ("how long do I hold ice on a sprain", DURATION),
        ("when should I see a doctor about a cough", DOCTOR),
        ("is it serious if my nose bleeds every day", DOCTOR),
        # lay wordings (2026-12-01): how it is found out, how bad it is, keeping others from catching it
        ("how do doctors figure out what he's allergic to", DIAGNOSIS),
        ("how will the doctor find out if it's broken or just bruised", DIAGNOSIS),
        ("can they test him for a nut allergy", DIAGNOSIS),
        ("how bad is a burn that blisters", DOCTOR),
        ("how serious is a bite that broke the skin", DOCTOR),
        ("how do I keep my other two kids from catching it", PREVENTION),
        ("how do we stop it spreading through the house", PREVENTION),
        # and what they must not swallow
        ("how do I figure out what helps my back pain", TREATMENT),
        ("how bad is a hangover and how do I treat it", TREATMENT),
    ],
)
def test_question_kinds(question, kind):
    assert question_kind(question) == kind


def test_section_kinds_from_headings():
    assert section_kinds("Causes of leg cramps at night") == {CAUSE}
    assert section_kinds("When to get medical help for a nosebleed") == {DOCTOR}
    assert TREATMENT in section_kinds("First aid to stop a nosebleed")
    assert section_kinds("How to prevent hiccups") == {PREVENTION}


def test_a_duration_question_is_answered_by_a_how_to_or_treatment_section():
    assert answers_kind("How to wash your hands properly", DURATION)
    assert answers_kind("First aid to stop a nosebleed", DURATION)
    assert not answers_kind("When to wash your hands", DURATION)
    assert not answers_kind("Causes of leg cramps at night", DURATION)


def test_how_bad_is_it_to_is_not_a_doctor_question():
    assert question_kind("how bad is it to drink coffee while pregnant") != DOCTOR


def test_sentences_worded_as_an_answer_to_the_kind():
    assert sentence_answers("Night cramps are often caused by tired muscles.", CAUSE)
    assert sentence_answers("Symptoms can be set off by stress.", CAUSE)
    assert not sentence_answers("Night cramps are often caused by tired muscles.", DIAGNOSIS)
    assert sentence_answers("Your doctor may order a blood test.", DIAGNOSIS)
    assert sentence_answers("Wash your hands often to avoid spreading it.", PREVENTION)
    assert sentence_answers("Call your doctor if the redness spreads.", DOCTOR)
    assert sentence_answers("Keep pressing for 10 to 15 minutes.", DURATION)
    assert not sentence_answers("Keep pressing for 10 to 15 minutes.", None)
    assert not sentence_answers("Cramps can cause pain in the calf.", CAUSE)  # a consequence, not a cause
    assert not sentence_answers("A night cramp is not an emergency.", DOCTOR)
    assert not sentence_answers("The rash may spread to the arms.", PREVENTION)


_ONE_SECTION = Hit(
    source="night-cramps.txt", title="Night cramps", section="", url=None, score=1.0,
    text="Cramps that wake you at night are common in older adults. Night cramps are often caused by tired "
    "muscles and standing for long hours. A night cramp usually lasts a few seconds to a few minutes. "
    "A doctor can usually tell a cramp from other leg pain by examining the leg.",
)


@pytest.mark.parametrize(
    "question, cued",
    [
        ("why do cramps wake me at night", 1),  # "caused by"
        ("how will the doctor find out if my night cramps are something else", 3),  # "examining"
        ("how long does a night cramp last", 2),  # "a few seconds to a few minutes"
    ],
)
def test_within_one_section_the_sentence_worded_as_the_answer_scores_higher(embedder, question, cued):
    """A MedlinePlus summary is one section: the kind of question nudges the sentence worded as its
    answer (and only that one) up, by CUE_BONUS (a duration by KIND_BONUS)."""
    answerer = ExtractiveAnswerer(embedder)
    units = split_units(_ONE_SECTION.text)
    qv = embedder.embed_query(question)
    kind = question_kind(question)
    gain = answerer._score(question, qv, units, [_ONE_SECTION], kind) - answerer._score(question, qv, units, [_ONE_SECTION])
    bonus = KIND_BONUS if kind == DURATION else CUE_BONUS
    assert bonus > 0
    assert [round(float(g), 6) for g in gain] == [bonus if i == cued else 0.0 for i in range(len(units))]


def test_a_how_long_question_opens_with_the_sentence_that_gives_the_time(embedder):
    question = "how long does a night cramp last"
    answer = ExtractiveAnswerer(embedder).answer(
        question, [_ONE_SECTION], embedder.embed_query(question), kind=question_kind(question)
    )
    assert answer.text.startswith("A night cramp usually lasts"), answer.text


def test_units_of_a_cited_list_keep_their_offsets():
    text = "Try these:\n- hold your breath for ten seconds\n- sip ice-cold water slowly"
    assert all(text[u.start : u.end] == u.text for u in split_units(text))


def test_list_items_keep_the_sentence_that_introduces_them(shipped_bot):
    answer = shipped_bot.ask("I have chest pain and my left arm hurts")
    assert "if you have: [1]" in answer.text and "- chest pain that spreads to the arm" in answer.text, answer.text
    assert citation_problems(answer) == []
