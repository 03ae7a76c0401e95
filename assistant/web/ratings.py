"""The chat's answers remembered for rating, and the ratings saved to <store>/feedback.jsonl."""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from typing import TYPE_CHECKING, Any

from ..types import Answer
from .feedback import record_feedback
from .render import SOURCES_HEADING

if TYPE_CHECKING:
    from ..assistant import Assistant

RECORDS_KEPT = 500


class Ratings:
    """The last RECORDS_KEPT answers of the chat, keyed by the Markdown it showed, so that a rating
    is saved with the question, answer and sources as they were (not as the page shows them)."""

    def __init__(self, assistant: Assistant):
        self.assistant = assistant
        self._records: OrderedDict[str, dict] = OrderedDict()
        self._records_lock = threading.Lock()

    @staticmethod
    def _key(markdown: str) -> str:
        return hashlib.sha1(markdown.encode("utf-8", "replace")).hexdigest()

    def remember(self, markdown: str, question: str, answer: Answer, rendered) -> None:
        record = {
            "question": question, "answer": rendered.text, "covered": answer.covered, "backend": answer.backend,
            "sources": [s.as_dict() for s in rendered.sources], "notes": list(answer.notes),
        }
        with self._records_lock:
            self._records[self._key(markdown)] = record
            while len(self._records) > RECORDS_KEPT:
                self._records.popitem(last=False)

    def record(self, shown: str, question: str, liked: Any) -> dict:
        """Save a rating of the chat message `shown`; `question` (the one asked before it) is used
        when the answer is no longer remembered."""
        with self._records_lock:
            record = self._records.get(self._key(shown))
        if record is None:  # e.g. the app restarted since: keep what the page shows
            answer_part, _, sources_part = shown.partition(SOURCES_HEADING)
            record = {"question": question, "answer": answer_part.strip(),
                      "sources": [line for line in sources_part.splitlines() if line.startswith("**[")]}
        rating = liked is not False
        extra = {k: v for k, v in record.items() if k not in ("question", "answer", "sources")}
        return record_feedback(
            self.assistant.store_dir, liked=rating, question=record["question"], answer=record["answer"],
            sources=record["sources"], feedback=liked if isinstance(liked, str) else None, **extra,
        )
