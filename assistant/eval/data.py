"""The evaluation's data: the question sets and their corpora, the question files in every format the
project reads, and the folder of cached stores. Below both the harness and the suite, which import it."""

from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

from .metrics import source_stem

PROJECT_ROOT = Path(__file__).resolve().parents[2]
SHARED = Path(os.environ.get("ASSISTANT_SHARED_DATA") or PROJECT_ROOT.parent / "shared" / "data")
"""The shared data sets: ../shared/data beside the project, or wherever ASSISTANT_SHARED_DATA points."""
PROBE = PROJECT_ROOT / "evals" / "corpus_probe.jsonl"
SECOND = PROJECT_ROOT / "evals" / "corpus2"
"""The second dev corpus (written before the answer work of issue 22): `dev/` to tune on, `kept/` kept
back from tuning (written without looking at the code; its figures are reported, never tuned on)."""
THIRD = PROJECT_ROOT / "evals" / "corpus3"
"""A third corpus on new topics, written without reading the code: `dev/` (12 articles) before the levers
measured on it, `kept/` (8 articles) after them, kept back (only its aggregates are read)."""


DEFAULT_CACHE = Path(".eval-cache")
"""Where the stores the evaluation builds are cached (or ASSISTANT_EVAL_CACHE, --cache)."""


@dataclass(frozen=True)
class SuiteSet:
    name: str
    questions: Path
    corpus: Path
    baseline: bool = True


def default_sets(shared: Path = SHARED, corpus: Path = PROJECT_ROOT / "corpus") -> list[SuiteSet]:
    mediqa, medquad = shared / "mediqa" / "passages", shared / "medquad" / "articles"
    offtopic = shared / "offtopic_dev.jsonl"
    return [
        SuiteSet("mediqa", shared / "mediqa" / "dev_queries.jsonl", mediqa),
        SuiteSet("medquad", shared / "medquad" / "dev_questions.jsonl", medquad),
        SuiteSet("natural", shared / "natural" / "dev_questions.jsonl", medquad),
        SuiteSet("probe", PROBE, corpus),
        SuiteSet("second", SECOND / "dev" / "questions.jsonl", SECOND / "dev" / "articles"),
        SuiteSet("second-kept", SECOND / "kept" / "questions.jsonl", SECOND / "kept" / "articles"),
        SuiteSet("third", THIRD / "dev" / "questions.jsonl", THIRD / "dev" / "articles"),
        SuiteSet("third-kept", THIRD / "kept" / "questions.jsonl", THIRD / "kept" / "articles"),
        SuiteSet("offtopic@mediqa", offtopic, mediqa, baseline=False),
        SuiteSet("offtopic@medquad", offtopic, medquad, baseline=False),
        SuiteSet("offtopic@corpus", offtopic, corpus, baseline=False),
        SuiteSet("offtopic@second", offtopic, SECOND / "dev" / "articles", baseline=False),
        SuiteSet("offtopic@third", offtopic, THIRD / "dev" / "articles", baseline=False),
    ]


@dataclass
class Judged:
    """One question and what counts as right for it."""

    id: str
    question: str
    relevant: dict[str, int]
    """Relevant sources (file stems) and their grades; empty when the question should be refused."""
    primary: str | None = None
    """The article whose section answers it (lead section accuracy), if known."""
    sections: tuple[str, ...] = ()
    """Headings of the primary article that answer it (a heading also matches its sub-sections)."""
    qtype: str = ""
    judged: bool = True
    """False: no relevance given at all (MEDIQA questions whose passages are all below the grade
    are judged but have nothing to rank)."""
    essential: tuple[str, ...] = ()
    """Regexes of the points a complete answer states (from the gold section's own words)."""
    qualifier: str = ""
    """The group the question names ("pregnancy", "children", "older people"), if any."""
    addressed: bool = False
    """Whether its article has a line for that group (then that line should lead, else the note)."""


def load_judged(path: Path, min_grade: int = 3, limit: int | None = None) -> list[Judged]:
    """Any of the project's question formats: MEDIQA `relevance` {stem: grade}, MedQuAD `doc_id`
    (the answering section is the one whose heading is the question), natural / probe `relevant`
    [stems] with `primary` and `section`, and questions with none of these (to be refused)."""
    out: list[Judged] = []
    with open(path, encoding="utf-8") as f:
        for i, line in enumerate(f):
            if not line.strip():
                continue
            row = json.loads(line)
            qid, q, qtype = str(row.get("id", i)), row["question"], str(row.get("qtype", ""))
            extra = {
                "essential": tuple(row.get("essential") or ()),
                "qualifier": str(row.get("qualifier") or ""),
                "addressed": bool(row.get("addressed")),
            }
            if row.get("relevance"):
                rel = {str(s): int(g) for s, g in row["relevance"].items() if int(g) >= min_grade}
                out.append(Judged(qid, q, rel, qtype=qtype, **extra))
            elif row.get("doc_id"):
                doc = str(row["doc_id"])
                out.append(Judged(qid, q, {doc: 1}, primary=doc, sections=(q,), qtype=qtype))
            elif row.get("relevant"):
                sec = row.get("section")  # a heading, a list of them, or "" for the untitled introduction
                sections = () if sec is None else (sec,) if isinstance(sec, str) else tuple(sec)
                primary = source_stem(row["primary"]) if row.get("primary") else None
                rel = {source_stem(s): 1 for s in row["relevant"]}
                out.append(Judged(qid, q, rel, primary=primary, sections=sections, qtype=qtype, **extra))
            else:
                out.append(Judged(qid, q, {}, qtype=qtype, judged=False))
            if limit and len(out) >= limit:
                break
    return out


@dataclass
class Question:
    id: str
    question: str
    relevant: dict[str, int]
    """Relevant sources (file stems) and their grades."""
    graded: bool
    """False for an off-topic question (no relevance information at all)."""


def load_questions(path: Path, min_grade: int = 3, limit: int | None = None) -> list[Question]:
    """The questions of a file in any format the suite reads (assistant/eval/suite.py `load_judged`)."""
    return [Question(j.id, j.question, j.relevant, j.judged) for j in load_judged(path, min_grade, limit)]


def cache_dir(cache: Path, corpus: Path, model: str, backend: str) -> Path:
    """One cache folder per (corpus folder, embedding model, backend); inside it both stores
    sync by per-file content hash, so a changed corpus re-embeds only what changed."""
    digest = hashlib.sha256(f"{corpus.resolve()}\x00{model}\x00{backend}".encode()).hexdigest()[:12]
    name = re.sub(r"[^\w.-]+", "_", corpus.resolve().name) or "corpus"
    return cache / f"{name}-{digest}"


__all__ = [
    "DEFAULT_CACHE", "PROBE", "PROJECT_ROOT", "SECOND", "SHARED", "THIRD", "Judged", "Question", "SuiteSet", "cache_dir",
    "default_sets", "load_judged", "load_questions",
]
