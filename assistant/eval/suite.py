"""The evaluation suite: every dev set against the in-run baseline, in one command, one table.

`python -m assistant.eval --suite [--json FILE]` runs, over stores cached in `.eval-cache/`:

- MEDIQA dev (real consumer questions, graded passages) over the MEDIQA passages,
- MedQuAD templated dev (questions that are section headings) over the MedQuAD articles,
- natural dev (plain-language questions) over the MedQuAD articles,
- the off-topic set over each of the three corpora,
- the corpus probe (`evals/corpus_probe.jsonl`: natural questions over `corpus/` with their
  answering sections, and health questions the corpus does not cover).

Every figure comes with its standard error (of a mean of per-question values: sd / sqrt(n)), so a
change can be judged against each set's noise: a lever is kept only if it lowers no set by more
than one standard error. Which sets run can be narrowed with `--sets` (names below).
"""

from __future__ import annotations

import json
import logging
import math
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from ..text import title_key
from .data import Judged, SuiteSet, cache_dir, default_sets, load_judged
from .metrics import (
    answer_body,
    citation_problems,
    mean,
    names_group_first,
    ndcg_at,
    percentile,
    plain_words,
    points_stated,
    reciprocal_rank,
    source_stem,
    success_at,
    unique_sources,
)

log = logging.getLogger(__name__)

def lead_is_right(q: Judged, source: str, section: str, position: int | None = None) -> bool:
    """The answer's first citation is a gold section of a gold article. Without gold sections
    (MEDIQA passages, single-section articles) the article decides; for a relevant article
    other than the primary one, any section counts (nobody marked its sections). A gold "" is the
    article's introduction: its untitled opening, or its first section (`position` 0) when the page
    heads its opening with a question ("What are chilblains?")."""
    stem = source_stem(source)
    if stem not in q.relevant:
        return False
    if not q.sections or (q.primary and stem != q.primary):
        return True
    if position == 0 and "" in q.sections:
        return True
    # the cited section may be a sub-section ("Parent › Child") of a gold heading, and a gold
    # heading may be written without its parent; "" is the untitled introduction
    whole, parts = title_key(section), [title_key(p) for p in section.split("›")]
    return any(title_key(gold) in (whole, *parts) for gold in q.sections)


# --- accumulating figures with their standard errors -----------------------------------------


@dataclass
class Figures:
    values: dict[str, list[float]] = field(default_factory=dict)

    def add(self, key: str, value: float) -> None:
        self.values.setdefault(key, []).append(float(value))

    def summary(self) -> dict[str, dict[str, float]]:
        return {k: {"mean": mean(v), "se": _se(v), "n": len(v)} for k, v in self.values.items()}


def _se(xs: list[float]) -> float:
    if len(xs) < 2:
        return math.nan
    m = mean(xs)
    return math.sqrt(sum((x - m) ** 2 for x in xs) / (len(xs) - 1) / len(xs))


def run_set(bot, questions: list[Judged], baseline=None, k: int = 10, sink=None, name: str = "") -> dict:
    """Project (search + ask) and baseline (search) figures of one set."""
    project, base = Figures(), Figures()
    search_ms: list[float] = []
    ask_ms: list[float] = []
    if questions:  # warm-up outside the timings
        bot.ask(questions[0].question).answer()
    for q in questions:
        t = time.perf_counter()
        hits = bot.search(q.question, k=k)
        search_ms.append((time.perf_counter() - t) * 1000)
        ranked = unique_sources(h.source for h in hits)
        t = time.perf_counter()
        answer = bot.ask(q.question).answer()
        ask_ms.append((time.perf_counter() - t) * 1000)
        project.add("citations_ok", not citation_problems(answer))
        lead = answer.citations[0] if answer.covered and answer.citations else None
        row: dict = {"set": name, "id": q.id, "question": q.question, "sources": ranked[:5], "covered": answer.covered}
        if q.relevant:
            _ranking(project, ranked, q.relevant)
            project.add("answered", answer.covered)
            ok = lead is not None and lead_is_right(q, lead.source, lead.section, lead.position)
            project.add("lead_section", ok)
            row.update(
                lead=(lead.source, lead.section) if lead else None, lead_ok=ok, rr=reciprocal_rank(ranked, q.relevant)
            )
            row.update(_composition(project, q, answer))
        elif not q.judged:
            project.add("refused", not answer.covered)
        row["answer"] = answer.text[:1500]
        if baseline is not None and q.relevant:
            _ranking(base, unique_sources(baseline.search(q.question, k)), q.relevant)
        if sink is not None:
            sink.write(json.dumps(row) + "\n")
    out = {"n": len(questions), "project": project.summary(), "baseline": base.summary() if baseline else None}
    out["project"]["search_p50_ms"] = {"mean": percentile(search_ms, 50), "se": math.nan, "n": len(search_ms)}
    out["project"]["ask_p50_ms"] = {"mean": percentile(ask_ms, 50), "se": math.nan, "n": len(ask_ms)}
    words = project.values.pop("words", [])
    if words:
        out["project"]["words_p50"] = {"mean": percentile(words, 50), "se": math.nan, "n": len(words)}
    return out


def _composition(fig: Figures, q: Judged, answer) -> dict:
    """The figures of how a covered question was answered: the essential points stated within the first
    150 words, all of them, the group named first, the words before the doctor lines, and for a
    refused one whether the right article is the first offered. Returns them for the record."""
    row: dict = {}
    if q.essential:
        stated = points_stated(answer, q.essential) if answer.covered else [False] * len(q.essential)
        fig.add("points", sum(stated) / len(stated))
        fig.add("complete", all(stated))
        row["points"] = stated
    if q.qualifier:  # the note first where the article has no line for the group, else its line
        first = answer.covered and names_group_first(answer, q.qualifier)
        fig.add("group_line_first" if q.addressed else "group_note_first", first)
        row["group_first"] = first
    if answer.covered:
        words = len(plain_words(answer_body(answer)))
        fig.add("words", words)
        row["words"] = words
    else:
        offered = answer.citations[0].source if answer.citations else None
        fig.add("offer_right", offered is not None and source_stem(offered) in q.relevant)
        row["offered"] = offered
    return row


def _ranking(fig: Figures, ranked: list[str], relevant: dict[str, int]) -> None:
    fig.add("success@1", success_at(ranked, relevant, 1))
    fig.add("success@5", success_at(ranked, relevant, 5))
    fig.add("mrr@10", reciprocal_rank(ranked, relevant, 10))
    fig.add("ndcg@10", ndcg_at(ranked, relevant, 10))


COLUMNS = [
    ("success@1", "s@1"),
    ("success@5", "s@5"),
    ("mrr@10", "MRR@10"),
    ("ndcg@10", "nDCG@10"),
    ("lead_section", "lead section"),
    ("points", "points"),
    ("complete", "complete"),
    ("group_note_first", "group note first"),
    ("group_line_first", "group line first"),
    ("words_p50", "words p50"),
    ("answered", "answered"),
    ("offer_right", "offer right"),
    ("refused", "refused"),
    ("citations_ok", "citations ok"),
    ("ask_p50_ms", "ask p50 ms"),
]


def format_suite(results: dict[str, dict]) -> str:
    """One Markdown table: a row per set for the project (value ± standard error) and one for the
    baseline where it ran."""
    head = "| set | n | system | " + " | ".join(label for _, label in COLUMNS) + " |"
    lines = [head, "|" + " --- |" * 3 + " ---: |" * len(COLUMNS)]
    for name, r in results.items():
        for system in ("project", "baseline"):
            figs = r.get(system)
            if not figs:
                continue
            cells = []
            for key, _ in COLUMNS:
                f = figs.get(key)
                if not f or f["n"] == 0 or math.isnan(f["mean"]):
                    cells.append("")
                elif key.endswith(("_ms", "_p50")):
                    cells.append(f"{f['mean']:.0f}")
                elif math.isnan(f["se"]):
                    cells.append(f"{f['mean']:.3f}")
                else:
                    cells.append(f"{f['mean']:.3f} ±{f['se']:.3f}")
            lines.append(f"| {name if system == 'project' else ''} | {r['n']} | {system} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def run_suite(
    sets: Iterable[SuiteSet],
    cache: Path,
    settings=None,
    out: Path | None = None,
    limit: int | None = None,
    baseline: bool = True,
) -> dict[str, dict]:
    """Run the sets, opening one project store (and one baseline store) per corpus."""
    from ..assistant import Assistant
    from ..config import Settings
    from ..embedding.embedder import load_embedder

    settings = settings or Settings.from_env()
    embedder = load_embedder(settings)
    bots: dict[Path, object] = {}
    bases: dict[Path, object] = {}
    results: dict[str, dict] = {}
    sink = open(out, "w", encoding="utf-8") if out else None
    try:
        for s in sets:
            if not s.questions.exists() or not s.corpus.exists():
                log.warning("skipping %s: %s or %s is missing", s.name, s.questions, s.corpus)
                continue
            where = cache_dir(cache, s.corpus, embedder.name, embedder.backend)
            if s.corpus not in bots:
                bot = Assistant.open(where / "project", settings=settings, embedder=embedder)
                report = bot.ingest([s.corpus])
                print(f"{s.corpus}: {str(report).splitlines()[0]}", file=sys.stderr)
                bots[s.corpus] = bot
            base = None
            if baseline and s.baseline:
                if s.corpus not in bases:
                    from .baseline import Baseline

                    bases[s.corpus] = Baseline(where / "baseline", embedder)
                    print(f"baseline {s.corpus}: {bases[s.corpus].sync(s.corpus)}", file=sys.stderr)
                base = bases[s.corpus]
            questions = load_judged(s.questions, limit=limit)
            t = time.perf_counter()
            results[s.name] = run_set(bots[s.corpus], questions, base, sink=sink, name=s.name)
            print(f"{s.name}: {len(questions)} questions in {time.perf_counter() - t:.0f} s", file=sys.stderr)
    finally:
        if sink:
            sink.close()
        for bot in bots.values():
            bot.close()
    return results


__all__ = ["SuiteSet", "default_sets", "format_suite", "lead_is_right", "load_judged", "run_set", "run_suite"]
