"""A full disk, wherever the store writes (the manifest's SQLite, Chroma's files, the keyword index): one
line that names the folder, its disk and the space needed, instead of a traceback or advice to rebuild.

SQLite says "database or disk is full", Chroma (Rust) "No space left on device (os error 28)", numpy's
`tofile` (the keyword index) "N requested and M written" without an errno; `is_disk_full` knows them all,
through an exception's causes. What the callers write is crash-safe (assistant/ingest/sync.py): a write
cut short by a full disk is finished or undone by the next ingest, as a kill would be.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import shutil
import sqlite3
from collections.abc import Iterator, Sequence
from pathlib import Path

from .errors import AssistantError, DiskFullError, StoreError
from .types import Chunk

_FULL_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT})
_FULL_TEXT = re.compile(
    r"database or disk is full|no space left on device|disk quota exceeded|os error 28|\d+ requested and \d+ written",
    re.IGNORECASE,
)
SCRATCH_BYTES = 4 * 2**20
"""What opening and reading a store may write (SQLite's -shm and -wal files, Chroma's own database):
the space a read asks for when the disk is full."""


def store_bytes(chunks: Sequence[Chunk], dim: int) -> int:
    """What writing these chunks takes on disk: their texts twice in the manifest (the table and SQLite's
    write-ahead log) and 12 bytes a dimension for each vector in Chroma (its database, its log and the HNSW
    files hold it while it is written; a MEDIQA store settles at 2.7 KB a 384-dimension vector)."""
    texts = sum(len(c.text.encode()) + len(c.embedded_text.encode()) + 256 for c in chunks)
    return 2 * texts + 12 * dim * len(chunks)


def is_disk_full(exc: BaseException | None) -> bool:
    """Whether `exc` (or an exception it was raised from) says the disk or the user's quota is full."""
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, OSError) and exc.errno in _FULL_ERRNOS:
            return True
        if getattr(exc, "sqlite_errorcode", None) == sqlite3.SQLITE_FULL:
            return True
        if _FULL_TEXT.search(str(exc)):
            return True
        exc = exc.__cause__ or exc.__context__
    return False


def disk_full_error(folder: Path, doing: str, needed: int | None = None) -> DiskFullError:
    """The one-line error: what failed, where, the free space on that disk and what it needs."""
    place = _existing(folder)
    return DiskFullError(
        f"the disk is full: {doing} in {folder} needs about {size(needed or SCRATCH_BYTES)} and the disk mounted "
        f"at {_mount_point(place)} has {size(free_bytes(place))} free. Free some space there and run it again: "
        "nothing was lost (the store is as its last finished step left it)."
    )


def out_of_space(exc: BaseException, folder: Path, needed: int | None = None) -> bool:
    """Whether a write to `folder` failed for want of space: the error says so, or (Chroma, which reports a
    full disk as "Failed to apply logs to the metadata segment") the disk has less free than it needed."""
    return is_disk_full(exc) or free_bytes(folder) < (needed or SCRATCH_BYTES)


@contextlib.contextmanager
def disk_space(folder: Path, doing: str, needed: int | None = None) -> Iterator[None]:
    """Run a write to the store; a failure for want of space (`out_of_space`) becomes `disk_full_error`,
    other errors pass unchanged. With `needed`, a disk-full error of an inner step is said in this one's
    words (what it writes and how much)."""
    try:
        yield
    except DiskFullError as exc:
        if needed is None:
            raise
        raise disk_full_error(folder, doing, needed) from exc  # the step that knows what it writes says so
    except Exception as exc:
        if (isinstance(exc, AssistantError) and not isinstance(exc, StoreError)) or not out_of_space(exc, folder, needed):
            raise  # (a bad article or folder is not the disk's fault)
        raise disk_full_error(folder, doing, needed) from exc


def free_bytes(folder: Path) -> int:
    """Free space on the disk of `folder` (or of its nearest existing parent)."""
    return shutil.disk_usage(_existing(folder)).free


def size(n: float) -> str:
    """Bytes in the unit people read: "300 KB", "12.5 MB", "1.2 GB"."""
    for unit, scale in (("GB", 2**30), ("MB", 2**20)):
        if n >= scale:
            return f"{n / scale:.1f} {unit}"
    return f"{max(n, 0) / 1024:.0f} KB"


def _existing(folder: Path) -> Path:
    path = Path(folder).absolute()
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def _mount_point(path: Path) -> Path:
    while not os.path.ismount(path) and path != path.parent:
        path = path.parent
    return path


__all__ = [
    "SCRATCH_BYTES", "disk_full_error", "disk_space", "free_bytes", "is_disk_full", "out_of_space", "size",
    "store_bytes",
]
