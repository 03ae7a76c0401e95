"""The store's ingest lock: an OS-level file lock (`<store>/ingest.lock`) that dies with its process.

One ingest, check or remove at a time per store, across processes; a reload of another process's
ingest holds it too, so that no ingest starts mid-reload.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from pathlib import Path

import filelock

log = logging.getLogger(__name__)


def store_lock(store_dir: Path, wait: bool = True) -> filelock.FileLock | contextlib.nullcontext:
    if not wait:
        return contextlib.nullcontext()
    lock = filelock.FileLock(str(store_dir / "ingest.lock"))
    try:
        lock.acquire(timeout=0)
        lock.release()
    except filelock.Timeout:
        log.warning("another ingest is running on %s: waiting for it to finish", store_dir)
    return lock


@contextlib.contextmanager
def try_store_lock(store_dir: Path) -> Iterator[bool]:
    """Hold the store's ingest lock if it is free (yields True), else yield False at once."""
    lock = filelock.FileLock(str(store_dir / "ingest.lock"))
    try:
        lock.acquire(timeout=0)
    except filelock.Timeout:
        yield False
        return
    except OSError:  # a read-only store: no ingest can change it from here either
        yield True
        return
    try:
        yield True
    finally:
        lock.release()
