"""The entry points' shared logging setup: WARNING by default, INFO with -v, one format, bm25s kept quiet."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent

SCRIPT = """
import logging, sys
from assistant.log_setup import setup_logging
setup_logging(sys.argv[1] == "-v")
logging.getLogger("assistant.x").info("an info line")
logging.getLogger("assistant.x").warning("a warning line")
logging.getLogger("bm25s").info("bm25s chatter")
"""


@pytest.mark.parametrize("verbose", [False, True])
def test_levels_and_format(verbose):
    out = subprocess.run([sys.executable, "-c", SCRIPT, "-v" if verbose else "-q"], cwd=REPO,
                         capture_output=True, text=True, timeout=60)
    lines = out.stderr.splitlines()
    assert [ln.split(" ", 2)[2] for ln in lines] == (
        ["INFO assistant.x: an info line"] * verbose + ["WARNING assistant.x: a warning line"]
    ), out.stderr
