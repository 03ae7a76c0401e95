"""The evaluation harness: `python -m assistant.eval QUESTIONS.jsonl --corpus FOLDER`.

Ingests the folder (a sync: only new or changed articles are embedded), runs every question
through `Assistant.search` (ranking metrics) and `Assistant.ask` (refusals, citations) and the
baseline (`assistant.eval.baseline`, the LangChain tutorial pipeline with the same embedder) on the
same questions, prints both side by side with the differences, and writes one JSON line per
question.

Question files: `{"question": ..., "relevance": {stem: grade}}` (graded; relevant = grade >=
--min-grade, 3 by default) or `{"question": ..., "doc_id": stem}` (grade 1). A question with
neither is off-topic: it should be refused. A judged question whose grades are all below
--min-grade has no ranking to score: it is left out of the ranking averages (the table says how
many questions were scored) but still counts as on-topic for the answered rate.
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ..log_setup import setup_logging
from .data import DEFAULT_CACHE, Question, cache_dir, load_questions
from .metrics import citation_problems, mean, ndcg_at, percentile, reciprocal_rank, success_at, unique_sources

log = logging.getLogger(__name__)



@dataclass
class SystemResult:
    name: str
    success5: list[float] = field(default_factory=list)
    mrr10: list[float] = field(default_factory=list)
    ndcg10: list[float] = field(default_factory=list)
    search_ms: list[float] = field(default_factory=list)
    ask_ms: list[float] = field(default_factory=list)
    answered_on_topic: list[bool] = field(default_factory=list)
    refused_off_topic: list[bool] = field(default_factory=list)
    citation_errors: int = 0
    answers: int = 0

    def add_ranking(self, ranked: list[str], q: Question) -> dict[str, float]:
        if not q.relevant:  # off-topic, or judged with nothing relevant enough: no ranking to score
            return {}
        m = {
            "success@5": success_at(ranked, q.relevant, 5),
            "mrr@10": reciprocal_rank(ranked, q.relevant, 10),
            "ndcg@10": ndcg_at(ranked, q.relevant, 10),
        }
        self.success5.append(m["success@5"])
        self.mrr10.append(m["mrr@10"])
        self.ndcg10.append(m["ndcg@10"])
        return m

    def summary(self) -> dict[str, float]:
        s = {
            "success@5": mean(self.success5),
            "mrr@10": mean(self.mrr10),
            "ndcg@10": mean(self.ndcg10),
            "search_p50_ms": percentile(self.search_ms, 50),
            "search_p95_ms": percentile(self.search_ms, 95),
            "ask_p50_ms": percentile(self.ask_ms, 50),
            "ask_p95_ms": percentile(self.ask_ms, 95),
            "answered_on_topic": mean([float(x) for x in self.answered_on_topic]),
            "refused_off_topic": mean([float(x) for x in self.refused_off_topic]),
        }
        if self.answers:
            s["citations_ok"] = 1.0 - self.citation_errors / self.answers
        return s


ROWS = [
    ("success@5", "success@5", "{:.3f}"),
    ("mrr@10", "MRR@10", "{:.3f}"),
    ("ndcg@10", "nDCG@10", "{:.3f}"),
    ("search_p50_ms", "search p50 (ms)", "{:.0f}"),
    ("search_p95_ms", "search p95 (ms)", "{:.0f}"),
    ("ask_p50_ms", "ask p50 (ms)", "{:.0f}"),
    ("ask_p95_ms", "ask p95 (ms)", "{:.0f}"),
    ("answered_on_topic", "answered (on-topic)", "{:.1%}"),
    ("refused_off_topic", "refused (off-topic)", "{:.1%}"),
    ("citations_ok", "citations ok", "{:.1%}"),
]


def _fmt(fmt: str, v: float | None) -> str:
    return "—" if v is None or (isinstance(v, float) and math.isnan(v)) else fmt.format(v)


def format_table(project: dict[str, float], baseline: dict[str, float] | None) -> str:
    """A Markdown table: metric | project | baseline | difference."""
    lines = ["| metric | project | baseline | difference |", "| --- | ---: | ---: | ---: |"]
    for key, label, fmt in ROWS:
        p = project.get(key)
        if p is None or (isinstance(p, float) and math.isnan(p)):
            continue
        b = baseline.get(key) if baseline else None
        diff = None if b is None or math.isnan(b) else p - b
        dfmt = "{:+.0f}" if "ms" in key else ("{:+.1%}" if "%" in fmt else "{:+.3f}")
        lines.append(f"| {label} | {_fmt(fmt, p)} | {_fmt(fmt, b)} | {_fmt(dfmt, diff)} |")
    return "\n".join(lines)


def render_chart(results: dict[str, dict], path: Path) -> None:
    """Bars of project vs baseline per metric and question set (success@5, MRR@10, nDCG@10, and the
    project's lead section, essential points, complete answers, answered / refused rates)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    panels = [(name, r) for name, r in results.items()]
    cols = min(4, len(panels))
    rows = math.ceil(len(panels) / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(4.2 * cols, 3.6 * rows), squeeze=False)
    for ax in axes.flat[len(panels) :]:
        ax.axis("off")
    for ax, (name, r) in zip(axes.flat, panels, strict=False):
        p, b = r["project"], r.get("baseline") or {}
        keys = [
            (key, label)
            for key, label in (
                ("success@5", "success@5"),
                ("mrr@10", "MRR@10"),
                ("ndcg@10", "nDCG@10"),
                ("lead_section", "lead sect."),
                ("points", "points"),
                ("complete", "complete"),
                ("answered_on_topic", "answered"),
                ("answered", "answered"),
                ("refused_off_topic", "refused"),
                ("refused", "refused"),
            )
            if isinstance(p.get(key), float) and not math.isnan(p[key])
        ]
        xs = range(len(keys))
        pv = [p[key] for key, _ in keys]
        bv = [b.get(key, math.nan) if isinstance(b.get(key), float) else math.nan for key, _ in keys]
        ax.bar([x - 0.2 for x in xs], pv, width=0.4, label="project", color="#2b6cb0")
        ax.bar(
            [x + 0.2 for x in xs], [0 if math.isnan(v) else v for v in bv], width=0.4, label="baseline", color="#a0aec0"
        )
        for x, v in zip(xs, pv, strict=True):
            ax.text(x - 0.2, v + 0.01, f"{v:.3f}", ha="center", fontsize=7)
        for x, v in zip(xs, bv, strict=True):
            if not math.isnan(v):
                ax.text(x + 0.2, v + 0.01, f"{v:.3f}", ha="center", fontsize=7)
        crowded = len(keys) > 5
        ax.set_xticks(
            list(xs), [label for _, label in keys], fontsize=8, rotation=35 if crowded else 0, ha="right" if crowded else "center"
        )
        ax.set_ylim(0, 1.1)
        ax.set_title(f"{name} (n={r.get('n', '?')})", fontsize=9)
    handles, labels = axes[0][0].get_legend_handles_labels()
    fig.legend(handles, labels, fontsize=8, loc="upper right")
    fig.suptitle("Project vs LangChain tutorial baseline (same embedding model, same run)", fontsize=10)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _timed(fn: Callable, *args, **kwargs):
    t = time.perf_counter()
    out = fn(*args, **kwargs)
    return out, (time.perf_counter() - t) * 1000.0


def evaluate(
    bot, questions: list[Question], baseline=None, k: int = 10, out: Path | None = None, ask: bool = True
) -> tuple[SystemResult, SystemResult | None]:
    """Run every question through the project (and the baseline, if given)."""
    project = SystemResult("project")
    base = SystemResult("baseline") if baseline is not None else None
    if questions:  # warm up (first-query costs: caches, thread pools) outside the timings
        bot.search(questions[0].question, k=k)
        if ask:
            bot.ask(questions[0].question).answer()
        if baseline is not None:
            baseline.search(questions[0].question, k=k)
    sink = open(out, "w", encoding="utf-8") if out else None
    try:
        for q in questions:
            row: dict = {"id": q.id, "question": q.question, "relevant": q.relevant}
            hits, ms = _timed(bot.search, q.question, k=k)
            project.search_ms.append(ms)
            ranked = unique_sources(h.source for h in hits)
            row["project"] = {"sources": ranked, "search_ms": round(ms, 1), **project.add_ranking(ranked, q)}
            if ask:
                answer, ms = _timed(lambda question: bot.ask(question).answer(), q.question)
                project.ask_ms.append(ms)
                problems = citation_problems(answer)
                project.answers += 1
                project.citation_errors += bool(problems)
                if q.graded:
                    project.answered_on_topic.append(answer.covered)
                else:
                    project.refused_off_topic.append(not answer.covered)
                best = max((h.dense_score for h in answer.hits if h.dense_score is not None), default=None)
                row["project"].update(
                    ask_ms=round(ms, 1),
                    covered=answer.covered,
                    best_dense=best,
                    cited=unique_sources(c.source for c in answer.citations),
                    citation_problems=problems,
                )
            if baseline is not None and base is not None:
                sources, ms = _timed(baseline.search, q.question, k)
                base.search_ms.append(ms)
                ranked_b = unique_sources(sources)
                row["baseline"] = {"sources": ranked_b, "search_ms": round(ms, 1), **base.add_ranking(ranked_b, q)}
            if sink:
                sink.write(json.dumps(row) + "\n")
    finally:
        if sink:
            sink.close()
    return project, base


def main(argv: list[str] | None = None) -> int:
    p = _parser()
    args = p.parse_args(argv)
    setup_logging(args.verbose)
    if args.suite:
        return _suite(args)
    if args.questions is None or args.corpus is None:
        p.error("give QUESTIONS and --corpus, or --suite")
    return _one_set(args)


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m assistant.eval", description="Evaluate search and answers against a baseline on a question set."
    )
    p.add_argument(
        "questions", type=Path, nargs="?", help="JSONL: {question, relevance:{stem: grade}} or {question, doc_id}"
    )
    p.add_argument("--corpus", type=Path, help="folder of articles the questions are about")
    p.add_argument(
        "--suite", action="store_true", help="run every dev set against the baseline in one table (assistant/eval/suite.py)"
    )
    p.add_argument("--sets", help="with --suite: comma-separated set names (default: all)")
    p.add_argument("--store", type=Path, help="project store folder (default: inside --cache)")
    p.add_argument(
        "--cache",
        type=Path,
        default=Path(os.environ.get("ASSISTANT_EVAL_CACHE", DEFAULT_CACHE)),
        help="folder of cached stores (default: .eval-cache or ASSISTANT_EVAL_CACHE)",
    )
    p.add_argument("--k", type=int, default=10, help="hits per search (default 10)")
    p.add_argument("--limit", type=int, help="only the first N questions (quick iterations)")
    p.add_argument("--min-grade", type=int, default=3, help="lowest grade that counts as relevant (default 3)")
    p.add_argument("--no-baseline", action="store_true", help="skip the baseline")
    p.add_argument("--no-ask", action="store_true", help="skip ask (ranking metrics only)")
    p.add_argument("--out", type=Path, default=Path("eval-results.jsonl"), help="per-question results (JSONL)")
    p.add_argument("--json", type=Path, help="also write the summary as JSON here")
    p.add_argument(
        "--chart",
        type=Path,
        help="record this run in <chart>.json (one entry per question file) and redraw the PNG chart from it",
    )
    p.add_argument("-v", "--verbose", action="store_true")
    return p


def _one_set(args: argparse.Namespace) -> int:
    """One question file over one corpus: ingest, evaluate (with the baseline), print, record."""
    from ..errors import AssistantError

    questions = load_questions(args.questions, args.min_grade, args.limit)
    if not questions:
        print(f"error: no questions in {args.questions}", file=sys.stderr)
        return 1
    try:
        bot, embedder, project, base = _run_one(args, questions)
    except AssistantError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    ps = project.summary()
    bs = base.summary() if base else None
    _print_one(args, questions, embedder, ps, bs)
    if args.json:
        args.json.write_text(
            json.dumps(
                {"questions": str(args.questions), "n": len(questions), "project": ps, "baseline": bs},
                indent=2,
                default=str,
            )
        )
    if args.chart:
        _chart_one(args, len(questions), embedder.backend, ps, bs)
    bot.close()
    return 0


def _run_one(args: argparse.Namespace, questions: list[Question]):
    """(the project's assistant, the embedder, the project's results, the baseline's or None)."""
    from ..assistant import Assistant
    from ..config import Settings
    from ..embedding.embedder import load_embedder

    settings = Settings.from_env()
    embedder = load_embedder(settings)
    where = cache_dir(args.cache, args.corpus, embedder.name, embedder.backend)
    store = args.store or where / "project"
    bot = Assistant.open(store, settings=settings, embedder=embedder)
    report = bot.ingest([args.corpus])
    print(f"project store {store}: {report}".splitlines()[0], file=sys.stderr)
    baseline = None
    if not args.no_baseline:
        from .baseline import Baseline

        baseline = Baseline(where / "baseline", embedder)
        print(f"baseline store {where / 'baseline'}: {baseline.sync(args.corpus)}", file=sys.stderr)
    project, base = evaluate(bot, questions, baseline, k=args.k, out=args.out, ask=not args.no_ask)
    return bot, embedder, project, base


def _print_one(args: argparse.Namespace, questions: list[Question], embedder, ps: dict, bs: dict | None) -> None:
    n_graded = sum(q.graded for q in questions)
    n_rel = sum(bool(q.relevant) for q in questions if q.graded)
    print(
        f"\n{args.questions.name}: {len(questions)} questions ({n_graded} on-topic, {n_rel} with a relevant source, scored for ranking; "
        f"{len(questions) - n_graded} off-topic) over {args.corpus} — model {embedder.name} ({embedder.backend}), k={args.k}\n"
    )
    print(format_table(ps, bs))
    print(f"\nper-question results: {args.out}")


def _chart_one(args: argparse.Namespace, n: int, backend: str, ps: dict, bs: dict | None) -> None:
    """Record this run in <chart>.json (one entry per question file) and redraw the chart from it."""
    record = args.chart.with_suffix(".json")
    runs = json.loads(record.read_text()) if record.exists() else {}
    runs[f"{args.questions.stem} @ {args.corpus.resolve().name}"] = {
        "n": n,
        "corpus": args.corpus.name,
        "k": args.k,
        "backend": backend,
        "project": ps,
        "baseline": bs,
    }
    record.write_text(json.dumps(runs, indent=2, default=str) + "\n")
    render_chart(runs, args.chart)
    print(f"chart: {args.chart}")


def _suite(args: argparse.Namespace) -> int:
    from ..errors import AssistantError
    from .data import default_sets
    from .suite import format_suite, run_suite

    sets = default_sets()
    if args.sets:
        wanted = [name.strip() for name in args.sets.split(",") if name.strip()]
        unknown = sorted(set(wanted) - {s.name for s in sets})
        if unknown:
            print(
                f"error: unknown set(s) {', '.join(unknown)}; known: {', '.join(s.name for s in sets)}", file=sys.stderr
            )
            return 2
        sets = [s for s in sets if s.name in wanted]
    try:
        results = run_suite(sets, args.cache, out=args.out, limit=args.limit, baseline=not args.no_baseline)
    except AssistantError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    if not results:
        print("error: no set could run (is ../shared/data beside the project?)", file=sys.stderr)
        return 1
    print(format_suite(results))
    print(f"\nper-question results: {args.out}")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2, default=str) + "\n")
    if args.chart:
        runs = {
            name: {
                "n": r["n"],
                "project": {key: f["mean"] for key, f in r["project"].items()},
                "baseline": {key: f["mean"] for key, f in r["baseline"].items()} if r.get("baseline") else None,
            }
            for name, r in results.items()
        }
        args.chart.with_suffix(".json").write_text(json.dumps(runs, indent=2, default=str) + "\n")
        render_chart(runs, args.chart)
        print(f"chart: {args.chart}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
