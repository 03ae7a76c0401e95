"""The onnx backend: an optimised, int8-quantised ONNX export of the model, run by onnxruntime.

`ensure_built` makes the model once per model and recipe (`torch.onnx.export`, attention fusion
with onnxruntime's BERT optimizer, dynamic int8 quantisation of the dense layers) and caches it, so
later processes never import torch. Documents go through the int8 graph; single questions through
the fused fp32 graph, so a question's vector equals sentence-transformers' and only document
vectors carry the int8 error. Both use mean pooling over the attention mask and L2 normalisation,
as sentence-transformers does. Speed and accuracy figures: docs/DEFAULTS.md, docs/BENCHMARKS.md.

Cache: `$ASSISTANT_ONNX_CACHE` (or the `onnx_cache` setting), else `$XDG_CACHE_HOME/assistant-onnx`
(`~/.cache/assistant-onnx`), one folder per hash of the model files and this recipe's version.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import tempfile
import threading
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from ..config import Settings
from ..errors import AssistantError
from ..log_setup import NOTICE
from .base import resolve_model
from .quiet_build import quiet_build

log = logging.getLogger(__name__)
notice = logging.getLogger(NOTICE)

BUILD_NOTICE = "Preparing the embedding model for this computer (once, about 10-30 s) …"
"""The one line a first start shows while the model is built (10 s on 2 idle cores, more on busy ones)."""
RECIPE_VERSION = "2"
"""Bump when the export/optimise/quantise recipe changes: the cache key includes it."""

CACHE_TOKENS = 4_000_000
"""Word-piece ids kept from count_tokens for embed_documents (int32: about 16 MB at most)."""

MODEL_FILE = "model.int8.onnx"
"""Documents (batch embedding): dense layers int8, attention fp32."""
QUERY_MODEL_FILE = "model.fp32.onnx"
"""Single queries: the fused fp32 graph (a few ms per query, exact)."""
_MODEL_FILES = (
    "config.json", "model.safetensors", "pytorch_model.bin", "tokenizer.json",
    "sentence_bert_config.json", "modules.json", "1_Pooling/config.json",
)


def cache_root(settings: Settings | None = None) -> Path:
    """Where built models are kept: the setting, $ASSISTANT_ONNX_CACHE, else the user cache folder."""
    configured = getattr(settings, "onnx_cache", None) if settings is not None else None
    raw = configured or os.environ.get("ASSISTANT_ONNX_CACHE")
    if raw:
        return Path(raw).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base).expanduser() / "assistant-onnx"


def model_key(model_dir: Path) -> str:
    """Hash of the model's files (content), the recipe version and onnxruntime's version."""
    import onnxruntime

    h = hashlib.sha256(f"recipe={RECIPE_VERSION}\x00ort={onnxruntime.__version__}\x00".encode())
    for name in _MODEL_FILES:
        path = model_dir / name
        if not path.is_file():
            continue
        h.update(name.encode() + b"\x00")
        with path.open("rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                h.update(block)
    return h.hexdigest()[:24]


def _read_json(path: Path) -> dict:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return {}


class OnnxEmbedder:
    """onnxruntime + tokenizers encoder with sentence-transformers' mean pooling and normalisation.

    Three sessions: batch embedding (int8 graph) with `threads` intra-op threads; questions (fp32
    graph) and answer sentences (int8 graph) with `query_threads`. The two query-path
    sessions do not spin idle threads, so concurrent asks share the cores instead of stalling.
    """

    backend = "onnx"

    def __init__(
        self,
        model: str,
        model_dir: Path,
        onnx_path: Path,
        batch_size: int = Settings.embed_batch_size,
        threads: int = 0,
        query_threads: int = 0,
    ):
        import onnxruntime as ort
        from tokenizers import Tokenizer

        self._ort = ort
        self.name = model
        self.model_dir = Path(model_dir)
        self.onnx_path = Path(onnx_path)
        self.model_file = f"{self.onnx_path.parent.name}/{self.onnx_path.name}"
        """Identifies the exact built file (cache key + name); recorded by the store."""
        self.batch_size = max(1, batch_size)
        self.threads = threads or (os.cpu_count() or 1)
        self.query_threads = query_threads or (os.cpu_count() or 1)

        config = _read_json(self.model_dir / "config.json")
        st_config = _read_json(self.model_dir / "sentence_bert_config.json")
        self.dim = int(config.get("hidden_size", 384))
        self.max_tokens = int(st_config.get("max_seq_length") or 256)

        self._count_tok = Tokenizer.from_file(str(self.model_dir / "tokenizer.json"))
        self._count_tok.no_truncation()  # the file's own settings (truncate/pad to 128) are not the model's
        self._count_tok.no_padding()
        self._special = np.asarray(self._count_tok.encode("").ids, dtype=np.int32)
        if len(self._special) != 2:
            raise AssistantError(
                f"the onnx embedding backend expects a BERT tokenizer ([CLS] text [SEP]); {model!r} adds "
                f"{len(self._special)} special tokens. Set ASSISTANT_EMBED_BACKEND=torch."
            )
        self._ids_cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._cached_tokens = 0
        self._cache_lock = threading.Lock()

        self._query_session = self._session(self.onnx_path.with_name(QUERY_MODEL_FILE), self.query_threads, spin=False)
        self._batch_session = None
        self._units_session = None
        self._batch_lock = threading.Lock()
        self._inputs = {i.name for i in self._query_session.get_inputs()}
        log.info(
            "loaded ONNX embedding model %s from %s (dim %d, max %d tokens)", model, self.onnx_path, self.dim,
            self.max_tokens,
        )

    @classmethod
    def from_settings(cls, settings: Settings) -> OnnxEmbedder:
        """Load the cached int8 model for settings.model, building it first if needed."""
        model_dir = Path(resolve_model(settings.model)).expanduser()
        if not (model_dir / "tokenizer.json").is_file() or not (model_dir / "config.json").is_file():
            raise AssistantError(
                f"the onnx embedding backend needs a local model folder with config.json and tokenizer.json; "
                f"{settings.model!r} is not one. Set ASSISTANT_EMBED_BACKEND=torch to use it through sentence-transformers."
            )
        onnx_path = ensure_built(model_dir, cache_root(settings))
        return cls(
            settings.model, model_dir, onnx_path, settings.embed_batch_size, settings.embed_threads,
            settings.query_threads,
        )

    # --- sessions ---------------------------------------------------------------------------

    def _session(self, path: Path, threads: int, spin: bool = True):
        ort = self._ort
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = threads
        if not spin:
            opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
        opts.inter_op_num_threads = 1
        opts.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        opts.log_severity_level = 3
        try:
            return ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])
        except Exception as exc:  # onnxruntime raises its own exception types
            raise AssistantError(
                f"cannot load the ONNX model {path} ({exc}); delete that folder to rebuild it, "
                f"or set ASSISTANT_EMBED_BACKEND=torch"
            ) from exc

    def _batch(self):
        if self._batch_session is None:
            with self._batch_lock:
                if self._batch_session is None:
                    self._batch_session = self._session(self.onnx_path, self.threads)
        return self._batch_session

    # --- the Embedder protocol ----------------------------------------------------------------

    def count_tokens(self, texts: list[str]) -> list[int]:
        """Word pieces per text (never truncated). The chunker asks for many texts more than once and
        counts each final chunk text: the ids are kept (bounded) so that embedding them does not
        tokenise them again."""
        if not texts:
            return []
        cache = self._ids_cache
        missing = [t for t in dict.fromkeys(texts) if t not in cache]
        if missing:
            for text, enc in zip(missing, self._count_tok.encode_batch_fast(missing, add_special_tokens=False),
                                 strict=True):
                cache[text] = np.asarray(enc.ids, dtype=np.int32)
                self._cached_tokens += len(enc.ids) + 8
            if self._cached_tokens > CACHE_TOKENS:
                self._evict()
        return [len(cache[t]) if t in cache else len(self._count_tok.encode(t, add_special_tokens=False).ids)
                for t in texts]

    def _evict(self) -> None:
        """Drop the oldest half of the cached ids (insertion order)."""
        with self._cache_lock:
            cache, target = self._ids_cache, CACHE_TOKENS // 2
            while self._cached_tokens > target and cache:
                try:
                    _, ids = cache.popitem(last=False)
                except KeyError:  # emptied by another thread
                    break
                self._cached_tokens -= len(ids) + 8

    def _ids(self, texts: list[str]) -> list[np.ndarray]:
        """Model input ids per text: [CLS] + at most max_tokens - 2 word pieces + [SEP]."""
        out: list[np.ndarray | None] = [self._ids_cache.get(t) for t in texts]
        missing = [i for i, ids in enumerate(out) if ids is None]
        if missing:
            encs = self._count_tok.encode_batch_fast([texts[i] for i in missing], add_special_tokens=False)
            for i, enc in zip(missing, encs, strict=True):
                out[i] = np.asarray(enc.ids, dtype=np.int32)
        keep = self.max_tokens - len(self._special)
        return [np.concatenate((self._special[:1], ids[:keep], self._special[1:])) for ids in out]

    def embed_documents(self, texts: list[str]) -> np.ndarray:
        return self._embed(texts, self._batch, self.batch_size)

    def embed_query(self, text: str) -> np.ndarray:
        return self._run(self._query_session, self._ids([text]))[0]

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        """A few dozen short texts on the query path (answer sentences): the int8 graph with the
        query threads (all cores by default), thread spinning off (so that concurrent asks do not
        burn each other's cores), in length-sorted batches of 8 (measurements: docs/DEFAULTS.md)."""
        return self._embed(texts, self._units, 8)

    def _units(self):
        if self._units_session is None:
            with self._batch_lock:
                if self._units_session is None:
                    self._units_session = self._session(self.onnx_path, self.query_threads, spin=False)
        return self._units_session

    def _embed(self, texts: list[str], session: Callable[[], Any], batch_size: int) -> np.ndarray:
        """Vectors of texts, run in length-sorted batches (similar lengths together: less padding);
        `session` gives the onnxruntime session, created on first use."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        ids = self._ids(list(texts))
        order = sorted(range(len(ids)), key=lambda i: len(ids[i]))
        out = np.empty((len(ids), self.dim), dtype=np.float32)
        run_on = session()
        for start in range(0, len(order), batch_size):
            rows = order[start : start + batch_size]
            out[rows] = self._run(run_on, [ids[i] for i in rows])
        return out

    def _run(self, session, rows: list[np.ndarray]) -> np.ndarray:
        width = max(len(r) for r in rows)
        ids = np.zeros((len(rows), width), dtype=np.int64)
        mask = np.zeros((len(rows), width), dtype=np.int64)
        for row, r in enumerate(rows):
            ids[row, : len(r)] = r
            mask[row, : len(r)] = 1
        feed = {"input_ids": ids, "attention_mask": mask}
        if "token_type_ids" in self._inputs:
            feed["token_type_ids"] = np.zeros_like(ids)
        hidden = session.run(None, feed)[0]  # (batch, seq, dim)
        m = mask[:, :, None].astype(np.float32)
        pooled = (hidden * m).sum(axis=1) / np.clip(m.sum(axis=1), 1e-9, None)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return (pooled / np.clip(norms, 1e-12, None)).astype(np.float32)


# --- building the cached model ----------------------------------------------------------------


def ensure_built(model_dir: Path, root: Path) -> Path:
    """The cached int8 model for model_dir (the fp32 query model beside it), built under a file lock
    (one builder at a time) in a temp folder and moved in; the int8 file, moved last, marks it complete."""
    import filelock

    target_dir = root / model_key(model_dir)
    target = target_dir / MODEL_FILE
    if target.is_file() and (target_dir / QUERY_MODEL_FILE).is_file():
        return target
    try:
        target_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise AssistantError(
            f"cannot create the ONNX model cache {target_dir} ({exc.strerror or exc}); set ASSISTANT_ONNX_CACHE "
            f"to a writable folder or ASSISTANT_EMBED_BACKEND=torch"
        ) from exc
    with filelock.FileLock(str(target_dir / ".build.lock")):
        if target.is_file() and (target_dir / QUERY_MODEL_FILE).is_file():  # built while we waited
            return target
        notice.info(BUILD_NOTICE)
        log.info("building the ONNX embedding model for %s into %s", model_dir, target_dir)
        tmp = Path(tempfile.mkdtemp(prefix=".build-", dir=target_dir))
        try:
            build(model_dir, tmp)
            (tmp / "recipe.json").write_text(
                json.dumps({"recipe": RECIPE_VERSION, "model_dir": str(model_dir)}, indent=1)
            )
            os.replace(tmp / "recipe.json", target_dir / "recipe.json")
            os.replace(tmp / QUERY_MODEL_FILE, target_dir / QUERY_MODEL_FILE)
            os.replace(tmp / MODEL_FILE, target)  # atomic: a reader sees the whole file or none
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    return target


def build(model_dir: Path, out_dir: Path) -> Path:
    """Export (fp32) -> fuse attention etc. (BERT optimizer) = the query model -> dynamic int8
    quantisation of its MatMul weights (per channel; fused attention stays fp32) = the document model."""
    try:
        import onnx
        import torch
        from onnxruntime.quantization import QuantType, quantize_dynamic
        from onnxruntime.transformers.optimizer import optimize_model
        from transformers import AutoModel
    except ImportError as exc:  # pragma: no cover - a broken install
        raise AssistantError(f"building the ONNX model needs torch, transformers and onnx: {exc}") from exc

    config = _read_json(model_dir / "config.json")
    if config.get("model_type") != "bert":
        raise AssistantError(
            f"the onnx embedding backend supports BERT-family models; {model_dir} is "
            f"{config.get('model_type')!r}. Set ASSISTANT_EMBED_BACKEND=torch."
        )
    pooling = _read_json(model_dir / "1_Pooling" / "config.json")
    if pooling and not pooling.get("pooling_mode_mean_tokens", False):
        raise AssistantError(
            f"the onnx embedding backend implements mean pooling only; {model_dir} uses another. "
            f"Set ASSISTANT_EMBED_BACKEND=torch."
        )

    with quiet_build():
        model = AutoModel.from_pretrained(str(model_dir), attn_implementation="eager")
    model.eval()

    class _Encoder(torch.nn.Module):
        def __init__(self, inner):
            super().__init__()
            self.inner = inner

        def forward(self, input_ids, attention_mask, token_type_ids):
            out = self.inner(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids)
            return out.last_hidden_state

    # two rows, the second padded: the exported graph must keep the attention-mask path dynamic
    ids = torch.tensor([[101, 7592, 2088, 2003, 1037, 3231, 102], [101, 7592, 102, 0, 0, 0, 0]], dtype=torch.long)
    mask = (ids != 0).long()
    names = ["input_ids", "attention_mask", "token_type_ids"]
    axes = {n: {0: "batch", 1: "sequence"} for n in [*names, "last_hidden_state"]}
    fp32 = out_dir / "model.export.onnx"
    with torch.inference_mode(), quiet_build():
        torch.onnx.export(
            _Encoder(model), (ids, mask, torch.zeros_like(ids)), str(fp32), dynamo=False,
            input_names=names, output_names=["last_hidden_state"], dynamic_axes=axes, opset_version=17,
        )
    del model

    optimized = optimize_model(
        str(fp32), model_type="bert", num_heads=int(config.get("num_attention_heads", 12)),
        hidden_size=int(config.get("hidden_size", 384)),
    )
    fused = optimized.get_fused_operator_statistics()
    if not fused.get("Attention"):
        log.warning("attention was not fused in the ONNX export (%s): the model will be slower", fused)
    opt_path = out_dir / QUERY_MODEL_FILE
    fp32.unlink()
    optimized.save_model_to_file(str(opt_path))

    int8 = out_dir / MODEL_FILE
    with quiet_build():
        quantize_dynamic(  # MatMul weights int8, the fused attention fp32 (why: docs/DEFAULTS.md)
            str(opt_path), str(int8), weight_type=QuantType.QInt8, per_channel=True, op_types_to_quantize=["MatMul"],
            extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT},
        )
    return int8


__all__ = ["OnnxEmbedder", "cache_root", "ensure_built", "build", "model_key", "RECIPE_VERSION"]
