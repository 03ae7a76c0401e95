"""Save uploaded article files into the corpus folder, safely.

Each upload is either a path (a file the web server received; its own name is used) or a
`(name, bytes)` pair. A name is used only if it is a plain file name: no folders, no `..`, no
absolute paths, no control characters, a supported extension. Unusual characters are replaced
(`My notes (v2).md` -> `My-notes-v2.md`). The content must be readable article text and at most
`max_bytes` long. Nothing is ever written outside the corpus folder, and a refused file changes
nothing. Every file gets an `UploadResult` saying what happened and why.

Existing files: the same name with the same content is `unchanged`; the same name with new
content is `replaced` (the way to update an article); the same content under another name is
refused as a duplicate.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import tempfile
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from ..errors import ArticleError, CorpusError
from ..ingest.articles import SKIPPED_EXTENSIONS, SUPPORTED_EXTENSIONS, parse_article

log = logging.getLogger(__name__)

Status = Literal["added", "replaced", "unchanged", "refused"]
Upload = str | os.PathLike | tuple[str, bytes]

MAX_NAME_CHARS = 120
_UNSAFE = re.compile(r"[^\w.\- ]+", re.UNICODE)
_RESERVED = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(1, 10)), *(f"lpt{i}" for i in range(1, 10))}


@dataclass(frozen=True)
class UploadResult:
    name: str
    """The name as uploaded."""
    status: Status
    reason: str
    """Why (for every status: shown to the user as is)."""
    saved_as: str | None = None
    """File name inside the corpus folder, None when refused."""

    @property
    def ok(self) -> bool:
        return self.status != "refused"


class UploadError(ValueError):
    """A file that cannot be saved; the message is the reason shown to the user."""


def safe_name(name: str) -> str:
    """A plain, portable file name for `name`, or UploadError if it is not a plain file name."""
    if not isinstance(name, str) or not name.strip():
        raise UploadError("the file has no name")
    if "\x00" in name or any(unicodedata.category(ch) == "Cc" for ch in name):
        raise UploadError("the file name contains control characters")
    if name.startswith(("/", "\\", "~")) or re.match(r"^[A-Za-z]:", name):
        raise UploadError("the file name is an absolute path")
    if ".." in re.split(r"[/\\]", name):
        raise UploadError("the file name points outside the corpus folder")
    if "/" in name or "\\" in name:
        raise UploadError("the file name contains a folder (slashes are not allowed)")
    if name.strip() in (".", ".."):
        raise UploadError("the file name has no usable characters")
    stem, ext = os.path.splitext(unicodedata.normalize("NFKC", name).strip())
    ext = ext.lower()
    if ext in SKIPPED_EXTENSIONS:
        raise UploadError(SKIPPED_EXTENSIONS[ext])
    if ext not in SUPPORTED_EXTENSIONS:
        allowed = ", ".join(SUPPORTED_EXTENSIONS)
        raise UploadError(f"unsupported file type {ext or '(none)'!r}: upload {allowed} files")
    stem = _UNSAFE.sub("-", stem).replace(" ", "-")
    stem = re.sub(r"-{2,}", "-", stem).strip("-._")
    if not stem:
        raise UploadError("the file name has no usable characters")
    if stem.lower() in _RESERVED:
        stem = f"{stem}-article"
    return stem[: MAX_NAME_CHARS - len(ext)] + ext


def save_uploads(uploads: Iterable[Upload], corpus_dir: str | Path, max_bytes: int) -> list[UploadResult]:
    """Save each upload into `corpus_dir` (top level). Never raises for a bad file: see the results.

    Raises CorpusError only if `corpus_dir` itself is missing.
    """
    corpus = Path(corpus_dir).expanduser()
    if not corpus.is_dir():
        raise CorpusError(f"the corpus folder {corpus} does not exist")
    corpus = corpus.resolve()
    results: list[UploadResult] = []
    taken: set[str] = set()
    for upload in uploads:
        name = _display_name(upload)
        try:
            results.append(_save_one(upload, corpus, max_bytes, taken))
        except UploadError as exc:
            results.append(UploadResult(name, "refused", str(exc)))
        except OSError as exc:  # disk full, permissions, ...: this file only
            log.warning("upload %r failed: %s", name, exc)
            results.append(UploadResult(name, "refused", f"could not be saved: {exc.strerror or exc}"))
    return results


def _display_name(upload: Upload) -> str:
    if isinstance(upload, tuple):
        return str(upload[0])
    return Path(upload).name


def _save_one(upload: Upload, corpus: Path, max_bytes: int, taken: set[str]) -> UploadResult:
    if isinstance(upload, tuple):
        if len(upload) != 2 or not isinstance(upload[1], bytes | bytearray):
            raise UploadError("an upload must be a path or a (name, bytes) pair")
        name, data = upload[0], bytes(upload[1])
        _check_size(len(data), max_bytes)
    else:
        path = Path(upload)
        name = path.name
        if not path.is_file():
            raise UploadError("the uploaded file is missing")
        _check_size(path.stat().st_size, max_bytes)
        data = path.read_bytes()
        _check_size(len(data), max_bytes)
    target_name = safe_name(name)
    if target_name.lower() in taken:
        raise UploadError(f"another file in this upload is also named {target_name}")
    try:
        parse_article(data, source=target_name, max_bytes=max_bytes)
    except ArticleError as exc:
        raise UploadError(f"not a readable article: {exc}") from exc

    target = corpus / target_name
    if target.is_symlink() or (target.exists() and not target.is_file()):
        raise UploadError(f"{target_name} exists in the corpus folder and is not a regular file")
    if target.resolve().parent != corpus:  # belt and braces: the name is already a plain name
        raise UploadError("the file name points outside the corpus folder")
    taken.add(target_name.lower())
    renamed = "" if target_name == name else f" (saved as {target_name})"
    if target.exists():
        if _digest(target.read_bytes()) == _digest(data):
            return UploadResult(name, "unchanged", f"same content as the existing {target_name}", target_name)
        _write_atomic(target, data)
        return UploadResult(name, "replaced", f"replaced the earlier version of {target_name}", target_name)
    twin = _same_content(corpus, data)
    if twin is not None:
        raise UploadError(f"same content as {twin}, which is already in the corpus folder")
    _write_atomic(target, data)
    return UploadResult(name, "added", f"saved{renamed}", target_name)


def _check_size(size: int, max_bytes: int) -> None:
    if size > max_bytes:
        raise UploadError(f"the file is {_mb(size)}; the limit is {_mb(max_bytes)} per file")
    if size == 0:
        raise UploadError("the file is empty")


def _mb(n: int) -> str:
    return f"{n / 1e6:.1f} MB" if n >= 100_000 else f"{n / 1e3:.0f} kB"


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _same_content(corpus: Path, data: bytes) -> str | None:
    """The relative path of a corpus file with exactly this content (sizes compared first: cheap)."""
    digest = None
    for path in corpus.rglob("*"):
        rel = path.relative_to(corpus)
        if any(p.startswith(".") for p in rel.parts) or path.is_symlink() or not path.is_file():
            continue
        try:
            if path.stat().st_size != len(data):
                continue
            digest = digest or _digest(data)
            if _digest(path.read_bytes()) == digest:
                return rel.as_posix()
        except OSError:
            continue
    return None


def _write_atomic(target: Path, data: bytes) -> None:
    """Write to a hidden temp file beside the target, then rename: no half-written article is ever
    seen by an ingest (the scan skips hidden files)."""
    fd, tmp = tempfile.mkstemp(prefix=".upload-", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


__all__ = ["UploadError", "UploadResult", "safe_name", "save_uploads"]
