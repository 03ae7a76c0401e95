"""The one-time ONNX build drops exactly three library messages (torch's TracerWarning and advanced-indexing
UserWarning, onnxruntime's pre-processing hint) and lets every other warning and log record through."""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import sys
import warnings

import pytest
from torch.jit import TracerWarning

from assistant.embedding import onnx_embedder as onnx_mod
from assistant.embedding.base import packaged_model_path
from assistant.embedding.quiet_build import quiet_build

from .helpers_data import CORPUS, REPO

TRACER = ("Converting a tensor to a Python boolean might cause the trace to be incorrect. We can't record the data "
          "flow of Python values, so this value will be treated as a constant in the future.")
INDEXING = ("Exporting aten::index operator of advanced indexing in opset 17 is achieved by combination of multiple "
            "ONNX operators, including Reshape, Transpose, Concat, and Gather.")
QUANTIZE = ("Please consider to run pre-processing before quantization. Refer to example: "
            "https://github.com/microsoft/onnxruntime-inference-examples/blob/main/quantization/image_classification/cpu/ReadMe.md ")
QUANTIZE_FILE = "/venv/lib/python3.11/site-packages/onnxruntime/quantization/quantize.py"
EXPORTER = "torch.onnx._internal.torchscript_exporter.symbolic_opset11"


def _emit(message: str, category: type[Warning], module: str) -> None:
    warnings.warn_explicit(message, category, module.replace(".", "/") + ".py", 1, module=module)


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@pytest.fixture
def root_records():
    handler = _Records()
    root = logging.getLogger()
    root.addHandler(handler)
    yield handler
    root.removeHandler(handler)


def _log(message: str, pathname: str, level: int = logging.WARNING) -> None:
    record = logging.LogRecord("root", level, pathname, 733, message, None, None)
    logging.getLogger().handle(record)


def test_the_three_build_messages_are_dropped_and_look_alikes_pass(root_records):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with quiet_build():
            _emit(TRACER, TracerWarning, "transformers.masking_utils")
            _emit(INDEXING, UserWarning, EXPORTER)
            _log(QUANTIZE, QUANTIZE_FILE)
            # not the three: same category, other message; same message, other category or module
            _emit("Output nr 1. of the traced function does not match", TracerWarning, "transformers.modeling")
            _emit("Exporting aten::index failed", UserWarning, EXPORTER)
            _emit(TRACER, RuntimeWarning, "transformers.masking_utils")
            _emit(INDEXING, UserWarning, "my_project.export")
            _emit("a deprecation", DeprecationWarning, "torch.onnx.utils")
            _log(QUANTIZE, "/home/me/my_quantizer.py")
            _log("Quantization of MatMul failed", QUANTIZE_FILE)
            _log(QUANTIZE, QUANTIZE_FILE, level=logging.ERROR)
        # outside the block nothing is filtered
        _emit(TRACER, TracerWarning, "transformers.masking_utils")
        _log(QUANTIZE, QUANTIZE_FILE)
    passed = [(w.category, str(w.message)) for w in caught]
    assert passed == [
        (TracerWarning, "Output nr 1. of the traced function does not match"),
        (UserWarning, "Exporting aten::index failed"),
        (RuntimeWarning, TRACER),
        (UserWarning, INDEXING),
        (DeprecationWarning, "a deprecation"),
        (TracerWarning, TRACER),
    ]
    assert root_records.messages == [QUANTIZE, "Quantization of MatMul failed", QUANTIZE, QUANTIZE]
    assert not any(type(f).__name__ == "QuantizeHintFilter" for f in logging.getLogger().filters)


@pytest.mark.slow
def test_a_real_build_prints_none_of_the_three(tmp_path, root_records):
    """The real export, optimisation and quantisation (about 10-20 s) into a temp folder."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        int8 = onnx_mod.build(packaged_model_path(), tmp_path)
    assert int8.is_file() and (tmp_path / onnx_mod.QUERY_MODEL_FILE).is_file()
    messages = [str(w.message) for w in caught]
    assert not [m for m in messages if m.startswith(("Converting a tensor to a Python boolean", "Exporting aten::index"))]
    assert not [m for m in root_records.messages if "pre-processing before quantization" in m]
    # the filter is no wider than that: torch's other export warnings still come through
    assert any("legacy TorchScript-based ONNX export" in m for m in messages), messages


@pytest.mark.slow
def test_a_first_start_says_in_one_plain_line_that_it_prepares_the_model(tmp_path):
    """`python ingest.py` with an empty model cache (a first start on a new computer): one plain line about the
    model on stderr (no WARNING, no time stamp, no path, no "Loading weights" bar), then the usual summary;
    the next start says nothing about it."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(CORPUS / "hiccups.txt", corpus / "hiccups.txt")
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")}
    env["ASSISTANT_ONNX_CACHE"] = str(tmp_path / "onnx-cache")
    runs = [
        subprocess.run([sys.executable, str(REPO / "ingest.py"), str(corpus), "--store", str(tmp_path / f"store{i}")],
                       capture_output=True, text=True, timeout=600, env=env, cwd=tmp_path)
        for i in range(2)
    ]
    first, second = runs
    assert first.returncode == 0, first.stderr[-2000:]
    assert first.stderr.splitlines() == [onnx_mod.BUILD_NOTICE]
    assert "1 added" in first.stdout
    assert second.returncode == 0 and second.stderr == "" and "1 added" in second.stdout
