"""Silence the messages the one-time ONNX build prints that a user cannot act on, and nothing else.

Building the ONNX model (onnx_embedder.build) on a first start made the libraries print:

- torch's TracerWarning "Converting a tensor to a Python boolean might cause the trace to be
  incorrect ..." (transformers' attention-mask code, traced by `torch.onnx.export`);
- torch's UserWarning "Exporting aten::index operator of advanced indexing in opset 17 is achieved
  by combination of multiple ONNX operators ..." (raised in torch.onnx);
- onnxruntime's log line "Please consider to run pre-processing before quantization ..." (a WARNING
  on the root logger from onnxruntime.quantization).

They read like failures, yet the export is checked: tests/test_onnx_embedder.py compares its vectors
with sentence-transformers'. `quiet_build()` filters exactly these, by category (or logger and
level), message and, where the source is stable, module; every other warning and log record passes.
It also hides transformers' "Loading weights 103/103" progress bar while the model is read for the
export (the first start says in one line that it prepares the model: onnx_embedder.BUILD_NOTICE).
"""

from __future__ import annotations

import logging
import re
import warnings
from collections.abc import Iterator
from contextlib import contextmanager

TRACER_MESSAGE = r"Converting a tensor to a Python boolean might cause the trace to be incorrect"
"""torch.jit.TracerWarning; raised from the traced model's code (transformers), so no module filter."""
INDEXING_MESSAGE = r"Exporting aten::index operator of advanced indexing in opset \d+ is achieved by"
INDEXING_MODULE = r"torch\.onnx\."
"""The UserWarning is raised by torch's ONNX exporter (torch.onnx._internal...symbolic_opset*)."""
QUANTIZE_MESSAGE = re.compile(r"Please consider to run pre-processing before quantization\b")
QUANTIZE_PATH = re.compile(r"onnxruntime[/\\]quantization[/\\]")
"""onnxruntime logs it with `logging.warning` (the root logger) from onnxruntime/quantization/."""


class QuantizeHintFilter(logging.Filter):
    """Drops onnxruntime's "consider to run pre-processing before quantization" WARNING; passes the rest."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (
            record.levelno == logging.WARNING
            and QUANTIZE_PATH.search(record.pathname or "") is not None
            and QUANTIZE_MESSAGE.match(record.getMessage()) is not None
        )


@contextmanager
def quiet_build() -> Iterator[None]:
    """Inside: the three build messages above are dropped, and transformers' progress bars hidden. The
    filters are process-wide while it runs (as `warnings.catch_warnings` is); the build runs once, under
    its file lock."""
    from torch.jit import TracerWarning
    from transformers.utils import logging as hf_logging

    hint = QuantizeHintFilter()
    root = logging.getLogger()
    bars = hf_logging.is_progress_bar_enabled()
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=TRACER_MESSAGE, category=TracerWarning)
        warnings.filterwarnings("ignore", message=INDEXING_MESSAGE, category=UserWarning, module=INDEXING_MODULE)
        root.addFilter(hint)
        hf_logging.disable_progress_bar()
        try:
            yield
        finally:
            root.removeFilter(hint)
            if bars:
                hf_logging.enable_progress_bar()


__all__ = ["QuantizeHintFilter", "quiet_build"]
