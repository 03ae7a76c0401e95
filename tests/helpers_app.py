"""Running the real app (`python app.py`) in a subprocess for the end-to-end tests (not a test module)."""

from __future__ import annotations

import os
import queue
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from .helpers_data import REPO

START_TIMEOUT = 600  # seconds; a cold start on a busy 2-core machine loads the model and ingests


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_app(
    corpus: Path, store: Path, port: int, *args: str, env: dict[str, str] | None = None
) -> tuple[subprocess.Popen, list[str]]:
    """`python app.py --corpus ... --store ... --port ... [args]` (no ASSISTANT_* settings from this process
    but those in `env`) until it prints "Ready in"; its output keeps being collected into the returned list."""
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")}, **(env or {})}
    env.update(PYTHONPATH=str(REPO), PYTHONUNBUFFERED="1")
    proc = subprocess.Popen(
        [sys.executable, str(REPO / "app.py"), "--corpus", str(corpus), "--store", str(store), "--port", str(port),
         *args],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=REPO,
    )
    lines: queue.Queue[str] = queue.Queue()
    output: list[str] = []
    threading.Thread(target=lambda: [lines.put(line) for line in proc.stdout], daemon=True).start()
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        if time.monotonic() > deadline or proc.poll() is not None:
            proc.kill()
            pytest.fail(f"app.py did not start (exit {proc.poll()}):\n" + "".join(output[-40:]))
        try:
            line = lines.get(timeout=1)
        except queue.Empty:
            continue
        output.append(line)
        if line.startswith("Ready in"):
            threading.Thread(target=lambda: [output.append(line) for line in iter(lines.get, None)], daemon=True).start()
            return proc, output


def stop(proc: subprocess.Popen, timeout: float = 30) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
