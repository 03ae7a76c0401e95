"""The torch backend: sentence-transformers on the CPU (ASSISTANT_EMBED_BACKEND=torch)."""

from __future__ import annotations

import logging
import os
import threading

import numpy as np

from ..config import PACKAGED_MODEL, Settings
from ..errors import AssistantError
from .base import resolve_model

log = logging.getLogger(__name__)


class SentenceTransformerEmbedder:
    """sentence-transformers on the CPU (PyTorch)."""

    backend = "torch"

    def __init__(
        self,
        model: str = PACKAGED_MODEL,
        batch_size: int = Settings.embed_batch_size,
        threads: int = 0,
        query_threads: int = 0,
    ):
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


__all__ = ["SentenceTransformerEmbedder"]
