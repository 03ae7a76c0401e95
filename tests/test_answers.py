"""Cited answers over the shipped corpus with the real model."""


from assistant.answering.extractive import split_units

from .helpers_answers import assert_quotes_its_citations


def test_why_cramps_at_night_names_causes_and_cites_the_leg_cramp_article(shipped_bot):
    answer = shipped_bot.ask("why cramps at night?")
    assert answer.covered
    assert answer.citations[0].source == "leg-cramps-at-night.txt"
    text = answer.text.lower()
    causes = ["cold", "tired", "fatigue", "rest", "calcium", "magnesium", "dehydrat", "posture", "pointed", "minerals"]
    assert sum(c in text for c in causes) >= 3, answer.text
    assert_quotes_its_citations(answer)
    assert "Sources:" in str(answer)


def test_off_topic_question_is_not_covered(shipped_bot):
    answer = shipped_bot.ask("How do I file my income tax return online?")
    assert not answer.covered
    assert "do not cover" in answer.text
    assert not answer.citations  # no article comes close enough to be worth offering
    assert "[" not in answer.text


def test_every_marker_resolves_for_varied_questions(shipped_bot):
    for q in ("how to stop a nosebleed", "what helps heartburn", "my eyes are dry after using the computer all day"):
        answer = shipped_bot.ask(q)
        assert answer.covered, q
        assert_quotes_its_citations(answer)


def test_search_returns_k_hits_best_first_with_few_per_article(shipped_bot):
    hits = shipped_bot.search("leg cramps at night", k=5)
    assert len(hits) == 5
    assert hits[0].source == "leg-cramps-at-night.txt"
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    assert sum(h.source == "leg-cramps-at-night.txt" for h in hits) <= shipped_bot.settings.max_per_article
    # search never refuses, even off-topic
    assert len(shipped_bot.search("capital of Australia", k=3)) == 3


def test_split_units_are_substrings_with_offsets():
    text = "First sentence here. Second one follows!\n1. A list item with words\n- Another item here"
    units = split_units(text)
    assert [u.text for u in units] == [
        "First sentence here.", "Second one follows!", "A list item with words", "Another item here"
    ]
    assert all(text[u.start : u.end] == u.text for u in units)
    assert [u.is_item for u in units] == [False, False, True, True]


def test_a_sentence_shared_by_overlapping_chunks_is_quoted_once(embedder):
    """Adjacent chunks of one article overlap: their shared sentences are scored once and never
    quoted twice under two citations."""
    from assistant.answering.extractive import ExtractiveAnswerer
    from assistant.types import Hit

    shared = "Night cramps are often caused by tired calf muscles after a long day on your feet."
    first = f"Cramps wake many people. {shared}"
    second = f"{shared} Stretching the calf before bed helps them stop."
    hits = [
        Hit(source="a.md", title="Leg cramps", section="Causes", text=t, url=None, score=1.0, root="/r", position=i)
        for i, t in enumerate([first, second])
    ]
    question = "what causes cramps at night"
    answer = ExtractiveAnswerer(embedder).answer(question, hits, embedder.embed_query(question))
    assert answer.text.count(shared) == 1, answer.text
    assert_quotes_its_citations(answer)


def _units_of(text: str, title: str = "Croup"):
    from assistant.types import Hit

    hit = Hit(source="croup.md", title=title, section="", text=text, url=None, score=1.0, root="/r", position=0)
    return hit, split_units(text)


def test_the_answer_opens_with_the_best_sentence_and_its_citation_still_holds():
    """The lead passage's best sentence opens the answer even when the passage says it last; the
    others follow in the passage's order, and the snippet covers every quoted sentence."""
    from assistant.answering.extractive import compose
    from assistant.eval.metrics import citation_problems

    hit, (context, detail, best) = _units_of(
        "Croup is common in small children. It often starts with a cold. A barking cough that is worse at night is its typical sign."
    )
    answer = compose("why does my toddler bark when she coughs", [hit], [best, context, detail], [hit])
    assert answer.text.startswith(best.text), answer.text
    assert answer.text.index(context.text) < answer.text.index(detail.text)
    assert citation_problems(answer) == [], citation_problems(answer)


def test_a_sentence_that_leans_on_the_one_before_does_not_open_the_answer():
    """'If so, ...', 'You may also ...' and 'It ...' need the sentence before them: the best sentence
    that stands on its own opens the answer instead."""
    from assistant.answering.extractive import compose

    hit, (lean, also, pronoun, plain) = _units_of(
        "If so, your child may have croup. You may also hear a whistle when she breathes in. "
        "It spreads like a cold does. Croup is a swelling of the voice box and windpipe."
    )
    answer = compose("what is wrong with her", [hit], [lean, also, pronoun, plain], [hit])
    assert answer.text.startswith(plain.text), answer.text


def test_an_answer_that_must_open_with_it_is_headed_by_the_article_title():
    """When every quoted sentence of the lead passage says 'It' or 'They', the article's title heads
    the answer (a line without a marker, so it claims nothing) and the passage keeps its order."""
    from assistant.answering.extractive import compose
    from assistant.eval.metrics import citation_problems

    hit, (first, second) = _units_of("It swells the windpipe of small children. They bark when they cough.")
    answer = compose("what is going on", [hit], [second, first], [hit])
    assert answer.text.split("\n")[0] == "**Croup**", answer.text
    assert answer.text.split("\n")[1].startswith(first.text), answer.text
    assert citation_problems(answer) == []
