"""Subprocess driver for the crash and lock tests (not a test module).

`python -m tests.helpers_crash [driver options] -- [ingest.py arguments]` runs the real ingest
command line (`assistant.cli.ingest_main`: logging, lock, sync, keyword index, exit codes) with
a deterministic embedder that costs `--delay` seconds per text, so a trial takes seconds and
"while embedding" is a real window. Driver options can also kill the process (SIGKILL, from
inside) at points a watcher cannot hit reliably from outside:

--self-kill REGEX       at the first log line matching REGEX (the process dies inside that step)
--kill-after-upserts K  after K calls to Chroma's upsert (with --chroma-batch, mid-way through a write)
--kill-in-keyword-swap  after the old keyword index was moved aside, before the new one is in place
--flush N               chunks per embed/write batch (assistant.sync.FLUSH_CHUNKS), to get several batches
--remove SOURCE         run `Assistant.remove(folder, SOURCE)` instead of an ingest
--hold-until FILE       embedding waits until FILE exists (keeps an ingest running while a test looks)
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import time
import types

import numpy as np

from assistant import assistant as assistant_module
from assistant import cli, sync
from assistant import keyword as keyword_module
from assistant.store import VectorStore

from .conftest import FakeEmbedder


def die() -> None:
    logging.shutdown()
    os.kill(os.getpid(), signal.SIGKILL)


class SlowFakeEmbedder(FakeEmbedder):
    """The fake embedder with a model-like cost per text (the model is not the point of these tests)."""

    def __init__(self, delay: float, hold_until: str = ""):
        super().__init__()
        self.delay = delay
        self.hold_until = hold_until

    def embed_documents(self, texts: list[str]) -> np.ndarray:
        while self.hold_until and not os.path.exists(self.hold_until):
            time.sleep(0.05)
        for start in range(0, len(texts), 8):
            time.sleep(self.delay * len(texts[start : start + 8]))
        return super().embed_documents(texts)


class _KillOnLog(logging.Handler):
    def __init__(self, pattern: str):
        super().__init__()
        import re

        self.pattern = re.compile(pattern)

    def emit(self, record: logging.LogRecord) -> None:
        if self.pattern.search(record.getMessage()):
            sys.stderr.write(f"driver: self-kill at {record.getMessage()!r}\n")
            sys.stderr.flush()
            die()


class _KillingCollection:
    """Delegates to a Chroma collection; dies after `after` upsert calls have completed."""

    def __init__(self, inner, after: int):
        self._inner, self._after, self._calls = inner, after, 0

    def upsert(self, **kwargs):
        result = self._inner.upsert(**kwargs)
        self._calls += 1
        sys.stderr.write(f"driver: upsert call {self._calls} done ({len(kwargs['ids'])} ids)\n")
        sys.stderr.flush()
        if self._calls >= self._after:
            die()
        return result

    def __getattr__(self, name):
        return getattr(self._inner, name)


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--delay", type=float, default=0.0)
    p.add_argument("--flush", type=int, default=0)
    p.add_argument("--chroma-batch", type=int, default=0)
    p.add_argument("--kill-after-upserts", type=int, default=0)
    p.add_argument("--kill-in-keyword-swap", action="store_true")
    p.add_argument("--self-kill", default="")
    p.add_argument("--remove", default="")
    p.add_argument("--hold-until", default="")
    p.add_argument("rest", nargs=argparse.REMAINDER)
    args = p.parse_args(argv)
    rest = [a for a in args.rest if a != "--"]

    embedder = SlowFakeEmbedder(args.delay, args.hold_until)
    assistant_module.load_embedder = lambda settings: embedder  # what Assistant.open builds by default
    if args.flush:
        sync.FLUSH_CHUNKS = args.flush

    real_open = VectorStore._open

    def _open(self) -> None:
        real_open(self)
        if args.chroma_batch:
            self.max_batch = args.chroma_batch
        if args.kill_after_upserts:
            self.collection = _KillingCollection(self.collection, args.kill_after_upserts)

    VectorStore._open = _open  # type: ignore[method-assign]

    if args.kill_in_keyword_swap:
        real_replace = os.replace

        def replace(src, dst) -> None:
            real_replace(src, dst)
            if str(dst).endswith(".old"):
                sys.stderr.write("driver: old keyword index moved aside\n")
                die()

        proxy = types.SimpleNamespace(**{n: getattr(os, n) for n in dir(os) if not n.startswith("__")})
        proxy.replace = replace
        keyword_module.os = proxy  # type: ignore[attr-defined]

    real_setup = cli._setup_logging

    def setup_logging(verbose: bool) -> None:
        real_setup(verbose)
        if args.self_kill:
            logging.getLogger().addHandler(_KillOnLog(args.self_kill))

    cli._setup_logging = setup_logging

    if args.remove:
        cli._setup_logging(True)
        store, folder = rest[rest.index("--store") + 1], rest[0]
        bot = assistant_module.Assistant.open(store)
        print("removed" if bot.remove(folder, args.remove) else "not there")
        return 0
    return cli.ingest_main(rest)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
