"""Like / dislike ratings of answers, appended to `<store>/feedback.jsonl` for later evaluation.

One JSON object per line: time (UTC, ISO 8601), rating ("like" / "dislike"), question, answer
(the Markdown shown), sources (title, section, source, url, ...) and any extra fields given.
"""

from __future__ import annotations

import json
import logging
import threading
from dataclasses import asdict, is_dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

FILE_NAME = "feedback.jsonl"
MAX_FIELD_CHARS = 20_000
_lock = threading.Lock()


def feedback_path(store_dir: str | Path) -> Path:
    return Path(store_dir) / FILE_NAME


def record_feedback(
    store_dir: str | Path, *, liked: bool, question: str, answer: str, sources: list[Any] | None = None, **extra: Any
) -> dict:
    """Append one rating; returns the record written. Sources may be dataclasses (Citation) or dicts."""
    record = {
        "time": datetime.now(UTC).replace(microsecond=0).isoformat(),
        "rating": "like" if liked else "dislike",
        "question": _clip(question),
        "answer": _clip(answer),
        "sources": [_plain(s) for s in sources or []],
        **{k: _plain(v) for k, v in extra.items()},
    }
    line = json.dumps(record, ensure_ascii=False) + "\n"
    path = feedback_path(store_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    with _lock, open(path, "a", encoding="utf-8") as f:  # one write per record: lines never interleave
        f.write(line)
    log.info("feedback %s recorded in %s", record["rating"], path)
    return record


def read_feedback(store_dir: str | Path) -> list[dict]:
    """Every record, oldest first; a damaged line (e.g. from a crash mid-write) is skipped."""
    path = feedback_path(store_dir)
    if not path.exists():
        return []
    records = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            records.append(json.loads(line))
        except json.JSONDecodeError:
            log.warning("%s line %d is not valid JSON: skipped", path, n)
    return records


def _clip(text: Any) -> str:
    text = "" if text is None else str(text)
    return text if len(text) <= MAX_FIELD_CHARS else text[:MAX_FIELD_CHARS] + " …"


def _plain(value: Any) -> Any:
    if is_dataclass(value) and not isinstance(value, type):
        return asdict(value)
    if isinstance(value, dict | list | str | int | float | bool) or value is None:
        return value
    return str(value)


__all__ = ["FILE_NAME", "feedback_path", "read_feedback", "record_feedback"]
