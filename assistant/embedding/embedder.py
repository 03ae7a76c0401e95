"""The embedding model: `load_embedder` picks the backend the settings name and loads it once per process.

Backends: onnx_embedder.OnnxEmbedder (the default: an int8 ONNX export run by onnxruntime) and
torch_embedder.SentenceTransformerEmbedder (plain sentence-transformers). Both read the model offline,
from the packaged weights unless `Settings.model` names another local model. The Embedder protocol and
the model-path helpers live in base.py and are re-exported here.
"""

from __future__ import annotations

import threading

from ..config import Settings
from ..errors import AssistantError
from .base import Embedder, packaged_model_path, resolve_model
from .onnx_embedder import OnnxEmbedder
from .torch_embedder import SentenceTransformerEmbedder

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
                _cache[key] = OnnxEmbedder.from_settings(settings)
            else:
                raise AssistantError(
                    f"unknown ASSISTANT_EMBED_BACKEND={settings.embed_backend!r} (use 'torch' or 'onnx')"
                )
        return _cache[key]


__all__ = ["Embedder", "SentenceTransformerEmbedder", "load_embedder", "packaged_model_path", "resolve_model"]
