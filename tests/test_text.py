"""The shared text helpers of assistant/text.py (each is the one copy its callers use)."""

from __future__ import annotations

import numpy as np
import pytest

from assistant.store.keyword import STOP_WORDS, tokenize, top_n
from assistant.text import (
    LIST_MARKER,
    SENTENCE_GAP,
    cut_at_word,
    escape_attr,
    nest_heading,
    one_line,
    sentence_spans,
    title_key,
    title_section,
)


def sentences(text: str) -> list[str]:
    return [text[a:b] for a, b in sentence_spans(text)]


def test_title_key_ignores_case_punctuation_and_spacing():
    assert title_key("Leg cramps!") == title_key("  leg   CRAMPS ") == "leg cramps"
    assert title_key("What causes gout?") == "what causes gout"
    assert title_key("Type_2 diabetes (adults)") == "type 2 diabetes adults"  # "_" separates words too
    assert title_key("Café au lait") == "café au lait"
    assert title_key("!!") == ""


def test_title_section_leaves_out_an_empty_section():
    assert title_section("Leg cramps", "Causes") == "Leg cramps › Causes"
    assert title_section("Leg cramps", "") == "Leg cramps"


def test_nest_heading_joins_the_levels_present():
    assert nest_heading("Causes", "At night") == "Causes › At night"
    assert nest_heading("", "At night") == "At night"  # a sub-heading before any parent heading
    assert nest_heading("Treatment", "", "Ice") == "Treatment › Ice"


def test_one_line_collapses_all_whitespace():
    assert one_line("  a\n\n b\tc  ") == "a b c"
    assert one_line("") == ""


@pytest.mark.parametrize(
    ("text", "limit", "ellipsis", "cut"),
    [
        ("short text", 20, " …", "short text"),  # fits: unchanged, no ellipsis
        ("short text", 10, " …", "short text"),  # exactly the limit
        ("the quick brown fox", 12, "", "the quick"),  # cut inside "brown": the partial word goes
        ("the quick brown fox", 9, " …", "the …"),  # cut right after a word: that word goes as well
        ("supercalifragilistic words", 5, "", "super"),  # one word longer than the limit is cut inside
        (" leading", 4, "", " lea"),  # never empty when there is text
    ],
)
def test_cut_at_word(text, limit, ellipsis, cut):
    assert cut_at_word(text, limit, ellipsis) == cut


@pytest.mark.parametrize("line", ["1. Rest", "12) Ice", "- Heat", "* Stretch", "• Drink", "+ Walk", "   - nested"])
def test_list_marker_opens_an_item(line):
    m = LIST_MARKER.match(line)
    assert m and line[m.end() :] == line.strip()[line.strip().index(" ") + 1 :]


@pytest.mark.parametrize("line", ["1.5 mg a day", "-5 degrees", "1234. Too long a number", "Rest 1. day", "*emphasis*"])
def test_list_marker_needs_a_marker_and_a_space(line):
    assert LIST_MARKER.match(line) is None


def test_sentence_spans_split_where_a_capital_or_digit_follows():
    assert sentences("Cramps hurt. They pass. 3 in 10 people get them!") == [
        "Cramps hurt.", "They pass.", "3 in 10 people get them!"]
    assert sentences('He said "stop." (Then) it did.') == ['He said "stop."', "(Then) it did."]


def test_sentence_spans_keep_abbreviations_and_decimals_whole():
    assert sentences("Take a painkiller, e.g. ibuprofen, with food.") == ["Take a painkiller, e.g. ibuprofen, with food."]
    assert sentences("Take 2.5 mg.It helps.") == ["Take 2.5 mg.It helps."]  # no space: no boundary
    # a capital after an abbreviation does split (a known limit of the rule)
    assert sentences("See Dr. Smith today.") == ["See Dr.", "Smith today."]


def test_sentence_spans_keep_citation_markers_with_their_sentence():
    assert sentences("Cramps are common. [1] They wake people [2]. Rest helps [1][3].") == [
        "Cramps are common. [1]", "They wake people [2].", "Rest helps [1][3]."]
    assert sentences("Gout is arthritis.[4] [3] Treatment varies.") == ["Gout is arthritis.[4] [3]", "Treatment varies."]


def test_a_marker_never_opens_a_sentence():
    # "care. [2]" at the end: the marker is the end of that sentence, not a sentence of its own
    assert sentences("Flu is an infection. [2] Most people recover. [2]") == [
        "Flu is an infection. [2]", "Most people recover. [2]"]
    assert sentences("It ends. [4] and goes on") == ["It ends. [4] and goes on"]


def test_sentence_spans_in_markdown():
    def md(text: str) -> list[str]:
        return [text[a:b] for a, b in sentence_spans(text, markdown=True)]

    assert md("Cramps are common [1]. **Stretching** helps.") == ["Cramps are common [1].", "**Stretching** helps."]
    assert md("**Why?** Cold muscles [1].") == ["**Why?**", "Cold muscles [1]."]
    assert md("Rest helps. - Drink water [2]") == ["Rest helps.", "- Drink water [2]"]
    assert md("It starts after age 50. Then it spreads [1].") == ["It starts after age 50.", "Then it spreads [1]."]
    assert md("Caused by E. coli, e.g. in meat [1].") == ["Caused by E. coli, e.g. in meat [1]."]
    # plain text (an article) keeps emphasis inside the sentence: answers from it stay as they were
    assert sentences("Rest helps. **Call** a doctor.") == ["Rest helps. **Call** a doctor."]


def test_sentence_spans_are_trimmed_offsets_within_the_range():
    text = "- Rest well.  Drink water.   "
    spans = sentence_spans(text, 2)
    assert [text[a:b] for a, b in spans] == ["Rest well.", "Drink water."]
    assert sentence_spans("   ") == []
    assert sentences("no full stop at the end") == ["no full stop at the end"]


def test_sentence_gap_is_the_loose_boundary():
    import re

    assert re.split(SENTENCE_GAP, "hi. my leg hurts! why?") == ["hi.", "my leg hurts!", "why?"]


def test_escape_attr_escapes_quotes_and_markup():
    assert escape_attr('Cramps › "Night" <b> & more') == "Cramps › &quot;Night&quot; &lt;b&gt; &amp; more"
    assert escape_attr(None) == ""


def test_top_n_is_best_first_above_zero():
    scores = np.array([0.0, 2.0, 5.0, 1.0, 2.0, 0.0])
    assert top_n(scores, 3) == [2, 1, 4] or top_n(scores, 3) == [2, 4, 1]
    assert top_n(scores, 10) == top_n(scores, 4) and len(top_n(scores, 10)) == 4  # zeros never count
    assert top_n(scores, 0) == [] and top_n(np.array([]), 3) == []


def test_stop_words_are_what_tokenize_drops():
    assert "the" in STOP_WORDS and tokenize(["the cramps"]) == [["cramp"]]
    assert all(tokenize([w])[0] == [] for w in STOP_WORDS)
