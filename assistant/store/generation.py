"""`PerGeneration`: what is derived from a store at one generation of its keyword index (the heading
index, the boilerplate sentences, which words its articles hold), built on first use and dropped together
when an ingest moves the store to a new generation. One cache, so nothing derived outlives its index."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, TypeVar

from .keyword import KeywordIndex

T = TypeVar("T")


class PerGeneration:
    """Values derived from the keyword index `keyword()` returns now, by name; safe to share between threads."""

    def __init__(self, keyword: Callable[[], KeywordIndex]):
        self.keyword = keyword
        self._generation: int | None = None
        self._values: dict[str, Any] = {}
        self._lock = threading.RLock()

    def get(self, name: str, build: Callable[[KeywordIndex], T]) -> T:
        """The value `name` of the current generation: `build(index)` the first time it is asked for."""
        index = self.keyword()
        with self._lock:
            if self._generation != index.generation:
                self._values, self._generation = {}, index.generation
            if name not in self._values:
                self._values[name] = build(index)
            return self._values[name]
