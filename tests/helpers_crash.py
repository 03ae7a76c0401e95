"""Subprocess driver for the crash and lock tests (not a test module).

`python -m tests.helpers_crash [driver options] -- [ingest.py arguments]` runs the real ingest
command line (`assistant.cli.ingest_main`: logging, lock, sync, keyword index, exit codes) with
a deterministic embedder that costs `--delay` seconds per text, so a trial takes seconds and
"while embedding" is a real window. Driver options can also kill the process (SIGKILL, from
inside) at points a watcher cannot hit reliably from outside:

--self-kill REGEX       at the first log line matching REGEX (the process dies inside that step)
--kill-after-upserts K  after K calls to Chroma's upsert (with --chroma-batch, mid-way through a write)
--kill-in-keyword-swap  after the old keyword index was moved aside, before the new one is in place
--tear STATE            inside Chroma's own save of its HNSW index, at the --tear-call-th upsert or delete call
                        (--tear-op): Chroma's save rewrites header.bin, data_level0.bin, length.bin,
                        link_lists.bin and index_metadata.pickle in place, so a kill inside it leaves some
                        files new and others old or cut short. The save runs in Rust, out of Python's reach:
                        the call runs to its end, then the files are put back in the state a kill at that
                        point leaves (TEAR_STATES) and the process dies.
--kill-in-call-ms MS    SIGKILL from a timer MS ms after the --tear-call-th Chroma write call started
--flush N               chunks per embed/write batch (assistant.ingest.sync.FLUSH_CHUNKS), to get several batches
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
from assistant import cli
from assistant.ingest import sync
from assistant.store import keyword as keyword_module
from assistant.store.vectors import VectorStore

from .helpers_embedder import FakeEmbedder


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


HNSW_FILES = ("header.bin", "data_level0.bin", "length.bin", "link_lists.bin", "index_metadata.pickle")


def _tear(segment, before: dict[str, bytes], state: str) -> None:
    """Leave the segment's files as a kill inside Chroma's save at `state` would (see TEAR_STATES)."""
    def old(*names: str) -> None:
        for name in names:
            if name in before:
                (segment / name).write_bytes(before[name])

    def cut(name: str, size: int) -> None:
        data = (segment / name).read_bytes()
        (segment / name).write_bytes(data[:size])

    new_pickle = (segment / "index_metadata.pickle").read_bytes()
    if state == "before-save":  # the log was written, the index not yet saved
        old(*HNSW_FILES)
    elif state == "after-header":  # only the header (with the new element count) was rewritten
        old("data_level0.bin", "length.bin", "link_lists.bin", "index_metadata.pickle")
    elif state == "mid-data":  # half of data_level0.bin's new part written
        old("length.bin", "link_lists.bin", "index_metadata.pickle")
        size = len(before.get("data_level0.bin", b""))
        cut("data_level0.bin", size + ((segment / "data_level0.bin").stat().st_size - size) // 2)
    elif state == "before-pickle":  # every binary file written, the metadata (id maps) not
        old("index_metadata.pickle")
    elif state == "mid-pickle":  # the metadata file cut short while being written
        cut("index_metadata.pickle", len(new_pickle) // 2)
    elif state == "empty-pickle":  # the metadata file truncated (opened for writing) and nothing written
        cut("index_metadata.pickle", 0)
    elif state == "lost-links":  # the neighbour lists of the old nodes not updated: new nodes nobody links to
        data = (segment / "data_level0.bin").read_bytes()
        keep = len(before.get("data_level0.bin", b""))
        (segment / "data_level0.bin").write_bytes(before.get("data_level0.bin", b"")[:keep] + data[keep:])
    elif state == "after-save":  # the save completed, the call had not returned
        pass
    else:
        raise SystemExit(f"unknown tear state {state}")


TEAR_STATES = ("before-save", "after-header", "mid-data", "before-pickle", "mid-pickle", "empty-pickle",
               "lost-links", "after-save")


class _TearingCollection:
    """Delegates to a Chroma collection; at the `call`-th `op` (upsert or delete) leaves the index files as a
    kill inside Chroma's save would (or sets a timer that kills the process `kill_ms` into the call)."""

    def __init__(self, inner, segment_dir, op: str, call: int, state: str, kill_ms: float):
        self._inner, self._segments, self._op, self._call, self._state = inner, segment_dir, op, call, state
        self._kill_ms, self._calls = kill_ms, 0

    def _write(self, name: str, kwargs):
        fn = getattr(self._inner, name)
        if name != self._op:
            return fn(**kwargs)
        self._calls += 1
        if self._calls != self._call:
            return fn(**kwargs)
        if self._kill_ms:
            import threading

            timer = threading.Timer(self._kill_ms / 1000, die)
            # the line first: a 2 ms timer started before it can kill the process before it is written
            sys.stderr.write(f"driver: {name} call {self._calls} ({len(kwargs['ids'])} ids), kill in {self._kill_ms} ms\n")
            sys.stderr.flush()
            timer.start()
            result = fn(**kwargs)
            sys.stderr.write("driver: the call returned before the timer fired\n")
            sys.stderr.flush()
            timer.join()  # the timer fires and kills this process (if the call was faster than it, right after it)
            die()  # not reached
            return result
        segments = [d for d in self._segments.iterdir() if d.is_dir()]
        before = {d: {n: (d / n).read_bytes() for n in HNSW_FILES if (d / n).exists()} for d in segments}
        result = fn(**kwargs)
        for d in [d for d in self._segments.iterdir() if d.is_dir()]:
            _tear(d, before.get(d, {}), self._state)
        sys.stderr.write(f"driver: {name} call {self._calls} ({len(kwargs['ids'])} ids), index files left {self._state}\n")
        die()
        return result

    def upsert(self, **kwargs):
        return self._write("upsert", kwargs)

    def delete(self, **kwargs):
        return self._write("delete", kwargs)

    def __getattr__(self, name):
        return getattr(self._inner, name)


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
    p.add_argument("--tear", default="", choices=("", *TEAR_STATES))
    p.add_argument("--tear-op", default="upsert", choices=("upsert", "delete"))
    p.add_argument("--tear-call", type=int, default=1)
    p.add_argument("--kill-in-call-ms", type=float, default=0.0)
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
        if args.tear or args.kill_in_call_ms:
            self.collection = _TearingCollection(self.collection, self.path, args.tear_op, args.tear_call, args.tear,
                                                 args.kill_in_call_ms)

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

    real_setup = cli.setup_logging

    def setup_logging(verbose: bool) -> None:
        real_setup(verbose)
        if args.self_kill:
            logging.getLogger().addHandler(_KillOnLog(args.self_kill))

    cli.setup_logging = setup_logging

    if args.remove:
        cli.setup_logging(True)
        store, folder = rest[rest.index("--store") + 1], rest[0]
        bot = assistant_module.Assistant.open(store)
        print("removed" if bot.remove(folder, args.remove) else "not there")
        return 0
    return cli.ingest_main(rest)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
