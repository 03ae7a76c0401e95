"""The evaluation harness: metrics on hand-computed cases, the baseline's incremental cache, and a
tiny end-to-end run (real model, real stores) including refusals."""

from __future__ import annotations

import json
import math

import pytest

from assistant.eval.baseline import Baseline
from assistant.eval.harness import format_table, load_questions, main
from assistant.eval.metrics import (
    citation_problems,
    ndcg_at,
    percentile,
    reciprocal_rank,
    source_stem,
    success_at,
    unique_sources,
)
from assistant.types import Answer, Citation, Hit

# --- metrics: hand-computed cases -----------------------------------------------------------


def test_sources_are_stems_counted_once_in_order_of_first_hit():
    hits = ["sub/P2.txt", "P1.md", "P2.txt", "other/P3.html", "P1.md"]
    assert unique_sources(hits) == ["P2", "P1", "P3"]
    assert source_stem("a\\b\\GHR_0000873.md") == "GHR_0000873"


def test_success_at_5_looks_at_the_first_five_sources_only():
    rel = {"R": 3}
    assert success_at(["a", "b", "c", "d", "R"], rel, 5) == 1.0
    assert success_at(["a", "b", "c", "d", "e", "R"], rel, 5) == 0.0
    assert success_at([], rel, 5) == 0.0


def test_mrr_is_one_over_the_rank_of_the_first_relevant_source_within_ten():
    rel = {"R": 4, "S": 3}
    assert reciprocal_rank(["R", "S"], rel) == 1.0
    assert reciprocal_rank(["a", "b", "S", "R"], rel) == pytest.approx(1 / 3)
    assert reciprocal_rank([f"x{i}" for i in range(10)] + ["R"], rel) == 0.0  # rank 11 is past the cut
    assert reciprocal_rank(["a"], {}) == 0.0


def test_ndcg_uses_gain_2_to_the_grade_minus_1_and_the_sorted_ideal():
    # ranked a (grade 3), b (irrelevant), c (grade 4):
    # DCG  = 7/log2(2) + 15/log2(4)       = 7 + 7.5       = 14.5
    # IDCG = 15/log2(2) + 7/log2(3)       = 15 + 4.41650  = 19.41650
    assert ndcg_at(["a", "b", "c"], {"a": 3, "c": 4}) == pytest.approx(14.5 / 19.41650, abs=1e-5)
    assert ndcg_at(["a", "b", "c"], {"a": 3, "c": 4}) == pytest.approx(0.746787, abs=1e-5)
    # the ideal order scores 1, an unretrieved relevant source lowers the score
    assert ndcg_at(["c", "a"], {"a": 3, "c": 4}) == pytest.approx(1.0)
    assert ndcg_at(["c"], {"a": 3, "c": 4}) == pytest.approx(15 / 19.41650, abs=1e-5)


def test_ndcg_for_a_doc_id_question_is_one_over_log2_of_rank_plus_one():
    assert ndcg_at(["d"], {"d": 1}) == 1.0
    assert ndcg_at(["x", "d"], {"d": 1}) == pytest.approx(0.630930, abs=1e-6)  # 1/log2(3)
    assert ndcg_at(["x", "y", "d"], {"d": 1}) == pytest.approx(0.5)  # 1/log2(4)
    assert ndcg_at([f"x{i}" for i in range(10)] + ["d"], {"d": 1}) == 0.0
    assert ndcg_at(["x"], {}) == 0.0


def test_percentiles_interpolate_between_ranks():
    assert percentile([4.0, 1.0, 3.0, 2.0], 50) == 2.5
    assert percentile([float(i) for i in range(1, 101)], 95) == pytest.approx(95.05)
    assert percentile([7.0], 95) == 7.0
    assert math.isnan(percentile([], 50))


def test_question_files_of_each_kind(tmp_path):
    path = tmp_path / "q.jsonl"
    rows = [
        {"id": "g", "question": "graded", "relevance": {"A": 4, "B": 3, "C": 2, "D": 1}},
        {"id": "d", "question": "templated", "doc_id": "GHR_1", "qtype": "information"},
        {"id": "o", "question": "off topic"},
        {"id": "n", "question": "graded, nothing relevant enough", "relevance": {"E": 2}},
    ]
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n\n")
    qs = load_questions(path)
    assert [(q.id, q.relevant, q.graded) for q in qs] == [
        ("g", {"A": 4, "B": 3}, True),
        ("d", {"GHR_1": 1}, True),
        ("o", {}, False),
        ("n", {}, True),  # judged, so not off-topic: it just cannot score
    ]
    assert [q.id for q in load_questions(path, limit=2)] == ["g", "d"]
    assert load_questions(path, min_grade=2)[0].relevant == {"A": 4, "B": 3, "C": 2}


def test_table_shows_both_systems_and_the_difference():
    table = format_table(
        {"success@5": 1.0, "mrr@10": 0.9, "ndcg@10": 0.8, "search_p50_ms": 20.0, "refused_off_topic": 0.95},
        {"success@5": 0.96, "mrr@10": 0.8, "ndcg@10": 0.72, "search_p50_ms": 30.0},
    )
    assert "| MRR@10 | 0.900 | 0.800 | +0.100 |" in table
    assert "| nDCG@10 | 0.800 | 0.720 | +0.080 |" in table
    assert "| search p50 (ms) | 20 | 30 | -10 |" in table
    assert "| refused (off-topic) | 95.0% | — | — |" in table


# --- citations ------------------------------------------------------------------------------


def _hit(text: str, position: int = 0) -> Hit:
    return Hit(source="a.md", title="A", section="S", text=text, url=None, score=1.0, root="/r", position=position)


def _citation(n: int, snippet: str, position: int = 0) -> Citation:
    return Citation(n=n, source="a.md", title="A", section="S", snippet=snippet, root="/r", position=position)


def test_citation_check_accepts_sentences_found_in_their_snippets():
    passage = "Cramps are common at night. Stretching helps. Drink water."
    ans = Answer(
        "q",
        "Cramps are common at night. [1] Stretching helps. [1]",
        [_citation(1, "Cramps are common at night. Stretching helps.")],
        True,
        hits=[_hit(passage)],
    )
    assert citation_problems(ans) == []


@pytest.mark.parametrize(
    ("text", "snippet", "problem"),
    [
        ("Cramps are common at night. [2]", "Cramps are common at night.", "does not resolve"),
        ("Cramps happen in the day. [1]", "Cramps are common at night.", "not in its snippet"),
        ("Cramps are common at night. [1]", "Cramps are common at noon.", "not in its passage"),
        ("No markers at all.", "Cramps are common at night.", "never cited"),
    ],
)
def test_citation_check_catches_each_kind_of_broken_citation(text, snippet, problem):
    ans = Answer("q", text, [_citation(1, snippet)], True, hits=[_hit("Cramps are common at night. Drink water.")])
    assert any(problem in p for p in citation_problems(ans))


# --- the baseline's store is a cache that only embeds what changed ---------------------------


def _write(folder, name, text):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(text, encoding="utf-8")


CORPUS = {
    "gout.md": "---\ntitle: Gout\n---\n# Gout\n\n## What causes gout?\n\nGout happens when uric acid builds up in "
    "the blood and forms sharp crystals in a joint, often the big toe. Red meat, shellfish, beer and sugary drinks "
    "raise uric acid.\n\n## How is gout treated?\n\nAnti-inflammatory medicines ease an attack; drugs such as "
    "allopurinol lower uric acid over months.\n",
    "sunburn.txt": "Sunburn: Sunburn is skin damage from ultraviolet rays. The skin turns red, hot and sore a few "
    "hours after too much sun, and may blister. Cool showers, aloe gel and drinking water help; sunscreen with SPF "
    "30 or more prevents it.\n\nSource: https://example.org/sunburn\n",
    "tinnitus.html": "<html><head><title>Tinnitus</title></head><body><h1>Tinnitus</h1><h2>What is tinnitus?</h2>"
    "<p>Tinnitus is hearing ringing, buzzing or hissing in the ears when no outside sound is present. Loud noise, "
    "ear wax and ageing are common causes.</p></body></html>",
}


def test_baseline_store_embeds_only_new_or_changed_files(tmp_path, embedder):
    corpus = tmp_path / "corpus"
    for name, text in CORPUS.items():
        _write(corpus, name, text)
    base = Baseline(tmp_path / "cache", embedder)
    first = base.sync(corpus)
    assert (first.added, first.chunks) == (3, base.count())
    assert base.search("ringing in my ears", k=1) == ["tinnitus.html"]

    again = Baseline(tmp_path / "cache", embedder).sync(corpus)  # reopened: the cache persists
    assert (again.added, again.updated, again.removed, again.unchanged, again.chunks) == (0, 0, 0, 3, 0)

    _write(corpus, "sunburn.txt", CORPUS["sunburn.txt"].replace("ultraviolet rays", "UV light from the sun"))
    (corpus / "tinnitus.html").unlink()
    base = Baseline(tmp_path / "cache", embedder)
    changed = base.sync(corpus)
    assert (changed.added, changed.updated, changed.removed, changed.unchanged) == (0, 1, 1, 1)
    assert changed.chunks == 1
    assert "tinnitus.html" not in base.search("ringing in my ears", k=5)
    assert base.count() == first.chunks - 1


# --- end to end: the CLI over a temp corpus with the real model ------------------------------


def test_eval_end_to_end_with_refusals(tmp_path, capsys):
    corpus = tmp_path / "corpus"
    for name, text in CORPUS.items():
        _write(corpus, name, text)
    questions = tmp_path / "q.jsonl"
    rows = [
        {
            "id": "1",
            "question": "why does my big toe joint hurt so much after eating steak and beer",
            "relevance": {"gout": 4, "sunburn": 1},
        },
        {"id": "2", "question": "my ears keep buzzing when the room is quiet", "doc_id": "tinnitus"},
        {"id": "3", "question": "Which index fund has the lowest annual fees?"},
        {"id": "4", "question": "How many players are on a volleyball team?"},
    ]
    questions.write_text("\n".join(json.dumps(r) for r in rows))
    out, summary = tmp_path / "results.jsonl", tmp_path / "summary.json"
    argv = [
        str(questions),
        "--corpus",
        str(corpus),
        "--cache",
        str(tmp_path / "cache"),
        "--out",
        str(out),
        "--json",
        str(summary),
    ]
    assert main(argv) == 0
    printed = capsys.readouterr().out
    assert "| success@5 | 1.000 | 1.000 | +0.000 |" in printed
    assert "| refused (off-topic) | 100.0% |" in printed

    results = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["id"] for r in results] == ["1", "2", "3", "4"]
    assert results[0]["project"]["sources"][0] == "gout"
    assert results[0]["project"]["mrr@10"] == 1.0 and results[0]["baseline"]["sources"][0] == "gout"
    assert results[1]["project"]["ndcg@10"] == 1.0
    assert [r["project"]["covered"] for r in results] == [True, True, False, False]
    assert all(r["project"]["citation_problems"] == [] for r in results)
    s = json.loads(summary.read_text())
    assert s["project"]["answered_on_topic"] == 1.0 and s["project"]["refused_off_topic"] == 1.0
    assert s["project"]["citations_ok"] == 1.0

    # a second run re-embeds nothing in either store
    assert main([*argv, "--no-ask"]) == 0
    err = capsys.readouterr().err
    assert "0 chunks embedded" in err and "unchanged 3" in err


# --- the suite (assistant/eval/suite.py) -----------------------------------------------------------


def test_suite_reads_every_question_format(tmp_path):
    from assistant.eval.suite import load_judged

    f = tmp_path / "q.jsonl"
    rows = [
        {"id": "m", "question": "q1", "relevance": {"P1": 4, "P2": 2}},
        {"id": "t", "question": "What causes gout?", "doc_id": "GHR_1"},
        {"id": "n", "question": "q3", "relevant": ["a", "b"], "primary": "a", "section": "Causes", "qtype": "causes"},
        {"id": "p", "question": "q4", "relevant": ["x.txt"], "primary": "x.txt", "section": ["A", "B"]},
        {"id": "u", "question": "q5", "covered": False},
    ]
    f.write_text("\n".join(json.dumps(r) for r in rows))
    m, t, n, p, u = load_judged(f)
    assert m.relevant == {"P1": 4} and m.judged and not m.sections
    assert (t.relevant, t.primary, t.sections) == ({"GHR_1": 1}, "GHR_1", ("What causes gout?",))
    assert (n.relevant, n.primary, n.sections, n.qtype) == ({"a": 1, "b": 1}, "a", ("Causes",), "causes")
    assert (p.relevant, p.primary, p.sections) == ({"x": 1}, "x", ("A", "B"))
    assert (u.relevant, u.judged) == ({}, False)


def test_lead_section_is_right_only_for_a_gold_section_of_a_gold_article():
    from assistant.eval.suite import Judged, lead_is_right

    q = Judged(
        "1", "why cramps", {"cramps": 1, "other": 1}, primary="cramps", sections=("Causes", "How to ease back pain")
    )
    assert lead_is_right(q, "cramps.txt", "Causes")
    assert lead_is_right(q, "cramps.txt", "How to ease back pain › Keep moving")  # a sub-section of a gold one
    assert not lead_is_right(q, "cramps.txt", "When to see a doctor")
    assert lead_is_right(q, "other.md", "Anything")  # another relevant article: its sections were not marked
    assert not lead_is_right(q, "unrelated.md", "Causes")
    intro = Judged("2", "tight band", {"th": 1}, primary="th", sections=("",))
    assert lead_is_right(intro, "th.html", "") and not lead_is_right(intro, "th.html", "Symptoms")


def test_suite_table_shows_each_figure_with_its_standard_error():
    from assistant.eval.suite import Figures, format_suite

    f = Figures()
    for v in (1, 0, 1, 1):
        f.add("mrr@10", v)
    table = format_suite({"probe": {"n": 4, "project": f.summary(), "baseline": None}})
    assert "| probe | 4 | project |" in table
    assert "0.750 ±0.250" in table  # mean 0.75, sd 0.5 / sqrt(4)


# --- how an answer reads: essential points, the group named first, words before the doctor lines ---


def _read(text: str, notice: str = "", closing: str = "") -> Answer:
    return Answer("q", text, [], True, notice=notice, closing=closing)


def test_points_are_looked_for_in_the_first_150_words_without_markers_notice_or_doctor_lines():
    from assistant.eval.metrics import answer_body, plain_words, points_stated

    notice = "**⚠️ Call an emergency number now.**"
    closing = "**When to see a doctor:**\n- If it bleeds for 30 minutes [2]"
    text = f"{notice}\n\n1. **Lean** forward [1]\n2. Pinch the soft part [1]\n\n{closing}"
    answer = _read(text, notice, closing)
    assert answer_body(answer) == "1. **Lean** forward [1]\n2. Pinch the soft part [1]"
    assert plain_words(answer_body(answer)) == ["Lean", "forward", "Pinch", "the", "soft", "part"]
    assert points_stated(answer, ["lean forward", "pinch.{0,10}soft", "30 minutes", "emergency"]) == [
        True,
        True,
        False,
        False,  # the doctor lines and the notice are not the answer's body
    ]
    late = _read(" ".join(["word"] * 150) + " pinch the soft part [1]")
    assert points_stated(late, ["pinch"]) == [False]  # stated, but after the 150th word
    assert points_stated(late, ["pinch"], words=160) == [True]


def test_the_group_counts_as_named_first_only_in_the_first_sentence():
    from assistant.eval.metrics import first_sentence, names_group_first

    note = _read("The articles found do not mention pregnancy. Take ibuprofen [1]")
    assert first_sentence(note) == "The articles found do not mention pregnancy."
    assert names_group_first(note, "pregnancy")
    late = _read("Take ibuprofen early [1]. The articles found do not mention pregnancy.")
    assert not names_group_first(late, "pregnancy")
    line = _read("- See a doctor if a baby or young child has a high temperature [1]\n- Rest [1]")
    assert names_group_first(line, "children") and not names_group_first(line, "older people")


def test_suite_reads_essential_points_and_the_group(tmp_path):
    from assistant.eval.suite import load_judged

    f = tmp_path / "q.jsonl"
    row = {
        "id": "e",
        "question": "q",
        "relevant": ["a.txt"],
        "primary": "a.txt",
        "section": ["S"],
        "essential": ["lean", "pinch"],
        "qualifier": "children",
        "addressed": False,
    }
    f.write_text(json.dumps(row) + "\n" + json.dumps({"id": "u", "question": "tick?", "subject": "ticks"}))
    e, u = load_judged(f)
    assert (e.essential, e.qualifier) == (("lean", "pinch"), "children")
    assert (u.essential, u.qualifier, u.judged) == ((), "", False)
