"""What a question is about: the words and phrases in it that name a condition, a creature, a part of
the body or a medicine ("tick", "athlete's foot", "eyelid", "ibuprofen"), read from WordNet 3.0.

The list (assistant/data/subjects.tsv.gz, built by scripts/build_subjects.py) holds every noun whose
first or second sense is a condition (WordNet's noun.state), a creature (noun.animal), a part of the
body (noun.body) or a medicine (a kind of drug.n.01 / medicine.n.02), with the other words of that
sense (its synonyms) and WordNet's irregular plurals. A lay description ("bunged up", "gunky eye")
names none of these: it is not a subject, and the coverage check leaves it to the cosines.
"""

from __future__ import annotations

import gzip
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

DATA = Path(__file__).resolve().parents[1] / "data" / "subjects.tsv.gz"
MAX_WORDS = 3
"""The longest subject phrase looked for ("urinary tract infection")."""
_WORD = re.compile(r"[a-z][a-z'-]*[a-z]|[a-z]")


@dataclass(frozen=True)
class Subject:
    text: str
    """The words as the question has them ("ticks", "athlete's foot")."""
    lemma: str
    """WordNet's form ("tick", "athlete's foot")."""
    kind: str
    """condition, creature, body or medicine."""
    synonyms: tuple[str, ...]
    """The other words WordNet gives for the same sense ("hordeolum", "sty" for "stye")."""
    broader: tuple[str, ...] = ()
    """The words of the senses just above it ("spasm", "cramp" for "charley horse")."""


@lru_cache(maxsize=1)
def _table() -> tuple[dict[str, tuple[str, tuple[str, ...], tuple[str, ...]]], dict[str, str]]:
    entries: dict[str, tuple[str, tuple[str, ...], tuple[str, ...]]] = {}
    plurals: dict[str, str] = {}
    with gzip.open(DATA, "rt", encoding="utf-8") as f:
        for line in f:
            if line.startswith("#"):
                continue
            lemma, kind, rest, broader = line.rstrip("\n").split("\t")
            if kind == "plural":
                plurals[lemma] = rest
            else:
                entries[lemma] = (
                    kind,
                    tuple(x for x in rest.split("|") if x),
                    tuple(x for x in broader.split("|") if x),
                )
    return entries, plurals


def base_forms(words: str) -> list[str]:
    """The forms WordNet may list a word or phrase under: itself, its irregular singular ("lice" ->
    "louse"), its regular singular ("ticks" -> "tick", "blisters" -> "blister", "allergies" ->
    "allergy"), and a two-word phrase written as one ("pink eye" -> "pinkeye")."""
    _, plurals = _table()
    head, _, last = words.rpartition(" ")
    forms = [words]
    singulars = [plurals.get(last, "")]
    if last.endswith("ies") and len(last) > 4:
        singulars.append(last[:-3] + "y")
    if last.endswith("es") and len(last) > 4:
        singulars.append(last[:-2])
    if last.endswith("s") and not last.endswith("ss") and len(last) > 3:
        singulars.append(last[:-1])
    if last.endswith("'s"):
        singulars.append(last[:-2])
    forms += [f"{head} {s}".strip() for s in singulars if s]
    if " " in words and words.count(" ") == 1:
        forms += [f.replace(" ", "") for f in list(forms)]
    return list(dict.fromkeys(forms))


@lru_cache(maxsize=1)
def _classes() -> frozenset[str]:
    """Words that WordNet puts above other subjects ("analgesic" above "ibuprofen", "medicine" above both)."""
    entries, _ = _table()
    return frozenset(b for _, _, broader in entries.values() for b in broader)


def names_one(subject: Subject) -> bool:
    """Whether the subject names one thing ("ibuprofen") rather than a class of them ("painkiller",
    whose synonym "analgesic" WordNet puts above ibuprofen)."""
    classes = _classes()
    return subject.lemma not in classes and not any(s in classes for s in subject.synonyms)


def lookup(words: str) -> Subject | None:
    """The subject a word or phrase names, or None."""
    entries, _ = _table()
    for form in base_forms(words.lower()):
        if form in entries:
            kind, synonyms, broader = entries[form]
            return Subject(words, form, kind, synonyms, broader)
    return None


def subjects_in(text: str, words: list[str] | None = None) -> list[Subject]:
    """The subjects a question names, longest phrases first ("athlete's foot" rather than "foot");
    a single word counts only when it is one of `words` (the question's focus words, when given)."""
    tokens = _WORD.findall(text.lower().replace("’", "'"))
    found: list[Subject] = []
    taken: set[int] = set()
    for n in range(MAX_WORDS, 0, -1):
        for i in range(len(tokens) - n + 1):
            span = range(i, i + n)
            if taken & set(span):
                continue
            phrase = " ".join(tokens[i : i + n])
            if n == 1 and words is not None and phrase not in words and phrase.rstrip("'s") not in words:
                continue
            subject = lookup(phrase)
            if subject is not None:
                found.append(subject)
                taken.update(span)
    return found


__all__ = ["Subject", "base_forms", "lookup", "names_one", "subjects_in"]
