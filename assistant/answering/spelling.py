"""Misspelt words of a question read as the word of the articles they were meant to be: "when should i
worry about a bruse" is searched as "... a bruise". A misspelling costs more than its one word: the
embedding model splits an unknown word into pieces that mean something else ("bruse" lands on a stiff
neck), and the keyword index never finds it.

A word is corrected only when all of these hold, so that a real word the articles do not use stays what it
is ("tick" is never "thick": that is how the coverage check can say no article mentions ticks):

1. it has at least MIN_LETTERS letters (a word is a run of letters, with inner apostrophes and hyphens);
2. it is not an English word (pyspellchecker's English word list, which ships in its wheel), nor a word
   that WordNet names as a condition, creature, part of the body or medicine (assistant/data/subjects.tsv.gz),
   nor one of those with an apostrophe or hyphen left out ("dont", "babys") or a plural "s" added;
3. no article holds it, or a word of the same stem (the keyword index: "neighbour" beside "neighbours",
   British spellings the English list lacks);
4. one edit makes it a word the articles hold (of several, the one they hold most often), and that edit is
   a typing slip: a letter left out, changed or two swapped, never the first letter ("bruse" -> "bruise",
   "evrey" -> "every"). The word list lacks real words too ("vape", "snus", "paleo"); an edit of the first
   letter ("vaper" -> "paper"), a dropped letter ("paleo" -> "pale") or a word under five letters ("snus" ->
   "sinus") is more often such a word than a slip, and stays as typed.

The articles' words are counted once per store generation, and only when a question has a word that passes
(1) to (3): most questions never need them.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from spellchecker import SpellChecker

from ..store.generation import PerGeneration
from ..store.headings import HeadingIndex
from ..store.keyword import tokenize
from ..store.manifest import Manifest
from .subjects import lookup

log = logging.getLogger(__name__)

MIN_LETTERS = 5
"""Shorter words are left as typed: one edit away from too many others ("lo", "gp", "ibs", "snus")."""
_WORD = re.compile(r"[A-Za-z]+(?:['’-][A-Za-z]+)*")


@lru_cache(maxsize=1)
def _english() -> SpellChecker:
    """pyspellchecker's English word list (about 160,000 words; loaded once, ~0.4 s)."""
    return SpellChecker(language="en", distance=1)


@dataclass(frozen=True)
class Correction:
    typed: str
    read_as: str


@dataclass
class StoreSpelling:
    """The words the articles of one store generation hold, with a spell checker over them alone."""

    checker: SpellChecker

    @classmethod
    def build(cls, manifest: Manifest) -> StoreSpelling:
        counts: Counter[str] = Counter()
        for title, text in manifest.chunk_titles_and_texts():
            counts.update(_norm(w) for w in _WORD.findall(f"{title}\n{text}"))
        checker = SpellChecker(language=None, distance=1, case_sensitive=False)
        checker.word_frequency.load_json(dict(counts))
        log.info("spelling: %d distinct words in the articles", len(counts))
        return cls(checker)

    def correction(self, word: str) -> str | None:
        """The articles' word one typing slip away (test 4 of the module doc), or None (also when the articles
        hold the word itself: pyspellchecker's candidates are then the word alone)."""
        candidates = self.checker.candidates(word)
        if not candidates or word in candidates:
            return None
        slips = [c for c in candidates if c[:1] == word[:1] and len(c) >= len(word)]
        return max(sorted(slips), key=self.checker.word_usage_frequency) if slips else None


class Spelling:
    """Corrects the misspelt words of questions against one store's articles; safe to share between threads."""

    def __init__(self, index: Callable[[], HeadingIndex], generations: PerGeneration, manifest: Manifest):
        self.index = index
        """The store's document frequencies by stem (`HeadingIndex.df`, per generation)."""
        self.generations = generations
        self.manifest = manifest

    def correct(self, question: str) -> tuple[str, list[Correction]]:
        """The question with its misspelt words replaced (see the module doc), and what was replaced."""
        candidates = [m for m in _WORD.finditer(question) if _maybe_misspelt(_norm(m.group(0)))]
        if not candidates:
            return question, []
        index = self.index()
        candidates = [m for m in candidates if not _stem_known(index, _norm(m.group(0)))]
        if not candidates:
            return question, []
        store: StoreSpelling = self.generations.get("spelling", lambda _: StoreSpelling.build(self.manifest))
        out, fixed, end = [], [], 0
        for m in candidates:
            typed = m.group(0)
            right = store.correction(_norm(typed))
            if right is None:
                continue
            out += [question[end : m.start()], _same_case(typed, right)]
            end = m.end()
            fixed.append(Correction(typed, right))
        if not fixed:
            return question, []
        corrected = "".join([*out, question[end:]])
        log.debug("spelling: %r read as %r", question, corrected)
        return corrected, fixed


def _norm(typed: str) -> str:
    """A word as the word lists hold it: lower case, a typographic apostrophe as "'"."""
    return typed.lower().replace("’", "'")


def _maybe_misspelt(word: str) -> bool:
    """Tests (1) and (2) of the module doc for a `_norm` word: not a word of English or of WordNet's subjects,
    in any usual form."""
    letters = re.sub(r"[^a-z]", "", word)
    if len(letters) < MIN_LETTERS:
        return False
    english = _english()

    def known(w: str) -> bool:
        return w in english or lookup(w) is not None

    if known(word) or all(known(part) for part in re.split(r"['-]", word) if part):
        return False
    if word.endswith("s") and known(word[:-1]):  # a plural the list does not give ("olds" of "4 year olds")
        return False
    # an apostrophe or a hyphen left out: "dont", "thats", "babys", "xray"
    return not any(known(f"{word[:i]}{mark}{word[i:]}") for i in range(1, len(word)) for mark in "'-")


def _stem_known(index: HeadingIndex, word: str) -> bool:
    """Test (3) for a `_norm` word: the articles hold a word of the same stem."""
    stems = tokenize([word])[0]
    return bool(stems) and all(index.df.get(s, 0) for s in stems)


def _same_case(typed: str, word: str) -> str:
    if typed.isupper() and len(typed) > 1:
        return word.upper()
    return word[:1].upper() + word[1:] if typed[:1].isupper() else word


__all__ = ["Correction", "Spelling", "StoreSpelling"]
