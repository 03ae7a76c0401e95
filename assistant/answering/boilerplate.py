"""Which sentences of the store are site boilerplate: the same sentence under many different
titles ("The following resources provide information relating to diagnosis ...") says nothing
about any of them, so answers skip it. Measured over the whole store, never listed by hand, and
rebuilt in memory when the keyword index's generation changes (after an ingest).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from ..store.generation import PerGeneration
from ..store.keyword import KeywordIndex
from ..store.manifest import Manifest

log = logging.getLogger(__name__)

BOILERPLATE_TITLES = 4
"""A sentence found verbatim under at least this many distinct article titles is boilerplate
(distinct titles, so that a passage stored twice does not make its own sentences boilerplate)."""


def sentence_key(text: str) -> int:
    return hash(" ".join(re.findall(r"[^\W_]+", text.lower())))


@dataclass
class CorpusStats:
    generation: int
    boilerplate: set[int] = field(default_factory=set)

    def is_boilerplate(self, sentence: str) -> bool:
        return sentence_key(sentence) in self.boilerplate

    @classmethod
    def build(cls, keyword: KeywordIndex, manifest: Manifest, split: Callable[[str], Iterable[str]]) -> CorpusStats:
        first_title: dict[int, int] = {}
        titles: dict[int, set[int]] = {}
        for title, text in manifest.chunk_titles_and_texts():
            t = hash(title.strip().lower())
            for sentence in split(text):
                key = sentence_key(sentence)
                seen = first_title.setdefault(key, t)
                if seen != t:
                    titles.setdefault(key, {seen}).add(t)
        boilerplate = {key for key, ts in titles.items() if len(ts) >= BOILERPLATE_TITLES}
        log.info("corpus stats: %d boilerplate sentences", len(boilerplate))
        return cls(keyword.generation, boilerplate)


class StatsCache:
    """The stats of the current keyword generation, built on first use (kept in the store's `PerGeneration`)."""

    def __init__(self, generations: PerGeneration, manifest: Manifest, split: Callable[[str], Iterable[str]]):
        self._generations = generations
        self._manifest = manifest
        self._split = split

    def __call__(self) -> CorpusStats:
        return self._generations.get("boilerplate", lambda index: CorpusStats.build(index, self._manifest, self._split))


__all__ = ["BOILERPLATE_TITLES", "CorpusStats", "StatsCache", "sentence_key"]
