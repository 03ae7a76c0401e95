"""Recording every file the code under test writes, through Python's audit hooks (not a test module).

Checks like "nothing was written outside the corpus folder" then look at what the code actually did,
not only at the few places a test thought to list."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND
_EVENTS = {"os.rename": (0, 1), "os.mkdir": (0,), "os.symlink": (0, 1), "os.link": (0, 1), "os.remove": (0,),
           "os.rmdir": (0,), "os.truncate": (0,), "os.chmod": (0,), "shutil.copyfile": (1,), "shutil.move": (0, 1)}
"""Audit event -> the arguments that name a path it changes (os.replace raises os.rename)."""
_active: list[list[Path]] = []
_hooked: list[bool] = []


def _hook(event: str, args: tuple) -> None:
    if not _active:
        return
    paths = []
    if event == "open":
        path, mode, flags = args
        writes = (mode is not None and any(c in str(mode) for c in "wax+")) or (isinstance(flags, int) and flags & _WRITE_FLAGS)
        if writes:
            paths.append(path)
    elif event in _EVENTS:
        paths.extend(args[i] for i in _EVENTS[event])
    for p in paths:
        if isinstance(p, str | bytes | os.PathLike):  # not a file descriptor: its opening by path was recorded
            _active[-1].append(Path(os.path.abspath(os.fsdecode(p))))


@contextmanager
def recorded_writes() -> Iterator[list[Path]]:
    """Yield a list that fills with every path this process creates, writes, renames or deletes meanwhile."""
    if not _hooked:
        sys.addaudithook(_hook)  # audit hooks cannot be removed: it records only inside this block
        _hooked.append(True)
    written: list[Path] = []
    _active.append(written)
    try:
        yield written
    finally:
        _active.remove(written)


def outside(paths: list[Path], folder: Path) -> list[Path]:
    """The paths that are not inside `folder` (resolved)."""
    root = folder.resolve()
    return [p for p in paths if not p.resolve().is_relative_to(root)]
