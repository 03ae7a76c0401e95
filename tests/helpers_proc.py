"""Running the ingest command line in a subprocess and killing it at a chosen log line (not a test module).

DRIVER is the real ingest CLI with a deterministic embedder that costs a few ms per text
(tests/helpers_crash.py), so kill trials and lock tests take seconds."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
from dataclasses import dataclass

from .helpers_data import REPO

DRIVER = [sys.executable, "-m", "tests.helpers_crash"]


@dataclass
class Killed:
    lines: list[str]
    returncode: int
    trigger: str = ""


def run_until(cmd: list[str], trigger: str | None, occurrence: int = 1, timeout: float = 300) -> Killed:
    """Run cmd (stderr merged into stdout), SIGKILL it at the `occurrence`-th line matching `trigger`."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    timer = threading.Timer(timeout, proc.kill)
    timer.start()
    lines: list[str] = []
    seen, hit = 0, ""
    try:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.append(line.rstrip("\n"))
            if trigger and re.search(trigger, line):
                seen += 1
                if seen == occurrence:
                    os.kill(proc.pid, signal.SIGKILL)
                    hit = line.strip()
                    break
        proc.wait(timeout=60)
    finally:
        timer.cancel()
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    return Killed(lines, proc.returncode, hit)
