"""No outbound network at run time: ingest, ask and the app work with every non-loopback connection blocked.

The scenario (tests/helpers_network.py) runs in a fresh process, so the model, Chroma and Gradio are
loaded and started there exactly as a user's run would (nothing already imported by the test
session). Python-level guard: connections and name lookups to anything but loopback raise and are
recorded; the test requires that none was even attempted. Where the machine allows it (root and
`unshare`), the same scenario also runs in a network namespace that has only a loopback interface,
which blocks native code (Rust, C++) too.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest

from .helpers_data import CORPUS, REPO

ARTICLES = ("leg-cramps-at-night.txt", "nosebleeds.txt", "snoring.txt")


def _env() -> dict[str, str]:
    """A user's environment: none of the offline switches the product must set itself."""
    drop = ("ASSISTANT_", "HF_", "TRANSFORMERS_", "GRADIO_", "SENTENCE_TRANSFORMERS_")
    env = {k: v for k, v in os.environ.items() if not k.startswith(drop)}
    env.update(PYTHONPATH=str(REPO), PYTHONUNBUFFERED="1")
    return env


def _can_isolate() -> bool:
    if os.geteuid() != 0 or not shutil.which("unshare") or not shutil.which("ip"):
        return False
    probe = subprocess.run(["unshare", "-n", "ip", "link", "set", "lo", "up"], capture_output=True)
    return probe.returncode == 0


@pytest.mark.slow
def test_ingest_ask_and_the_app_make_no_outbound_connections(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name in ARTICLES:
        shutil.copy(CORPUS / name, corpus / name)
    cmd = [sys.executable, "-m", "tests.helpers_network", str(tmp_path / "store"), str(corpus)]
    isolated = _can_isolate()
    if isolated:  # only a loopback interface: nothing can leave the machine, whatever language tries
        cmd = ["unshare", "-n", "sh", "-c", 'ip link set lo up && exec "$@"', "sh", *cmd]
    run = subprocess.run(cmd, cwd=REPO, env=_env(), capture_output=True, text=True, timeout=900)
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-4000:]
    line = next(ln for ln in run.stdout.splitlines() if ln.startswith("RESULT "))
    result = json.loads(line[len("RESULT "):])
    assert result["attempts"] == [], f"outbound connections attempted: {result['attempts']}"
    assert result["added"] == len(ARTICLES)
    assert result["covered"] and "leg-cramps-at-night.txt" in result["cited"]
    assert result["search"][0] == "nosebleeds.txt"
    assert result["app_answer"]
    print(f"\nno outbound connections (network namespace: {'yes' if isolated else 'not available here'})")
