"""Whether the articles cover a question: the cosines, and the word no article mentions.

`Coverage.refusal` answers (returns None) when (1) the best passage is close to the question (cosine ≥
`Settings.min_score`) and, with it, to what the question is about — its focus, the question without
its frame ("head lice" of "how do I treat head lice?"; best + focus cosine ≥ `Settings.min_evidence`)
— and (2) the question does not rest on a word that no article uses (`Coverage.absent_focus`). (2)
settles the doubtful band only: at best + focus ≥ `Settings.absent_max_evidence` the cosines are
trusted, because a circumstance the articles never name carries a short question's meaning as much
as a condition does ("my lower back hurts after gardening", "muscle soreness after crossfit"), and
those match their article strongly (1.09–1.33 on questions written to test this) while the names of
conditions the corpus lacks stay below 0.95 ("a stye on my eyelid", 0.93).

Why (2): "How do I treat head lice?" lands on the dandruff article (itchy scalp, flakes, shampoo) with
cosines that covered plain-language questions also reach, so the cosines cannot tell them apart
(docs/EVAL.md). What can: the store has never seen the word "lice", no word of the passages found
means the same, and the word is what the question is about. A word counts as absent when

1. it is a focus word in no chunk of the store (its stems are not in the keyword index) and not a
   misspelling of a word of the passages ("asthama" for "asthma"; long words only, SPELLING);
2. no word of the passages comes close to it in the embedding space (cosine below
   `Settings.absent_word_similarity`): "poop" is not in the corpus but "stool" is, "burnt" has
   "burn", "toddler" has "child";
3. the question's meaning rests on it: taking it out moves the question's vector further than
   taking out any other focus word, and by at least MIN_SALIENCE ("my calf seized up in bed" rests
   on "calf", not on "seized").

A question that names the subject of the first article found is about it, whatever else it
mentions: "please help my brother with locked-in syndrome in Martinique" over the article
*Locked-In Syndrome* is covered though no article names the island (the question holds at least
TITLE_SHARE of the title's words, weighted by IDF; "a stye on my eye" does not name *Dry, Tired
Eyes from Screens*).
"""

from __future__ import annotations

import difflib
import logging
import re
import threading
from collections.abc import Callable

import numpy as np

from ..config import Settings
from ..embedding.base import embed_on_query_path
from ..embedding.embedder import Embedder
from ..search.intent import question_focus
from ..store.generation import PerGeneration
from ..store.headings import HeadingIndex
from ..store.keyword import STOP_WORDS, KeywordIndex, tokenize
from ..store.manifest import Manifest
from ..store.vectors import VectorStore
from ..types import Hit, Refusal
from .subjects import subjects_in

log = logging.getLogger(__name__)

MIN_SALIENCE = 0.12
"""1 − cosine(question, question without the word): how much of the question's meaning the word carries."""
SUBJECT_SALIENCE = 0.06
"""A named condition, creature or medicine that carries at least this and as much as any other word of
the question (a description around it can carry the rest: "my fingers went white and numb ..., is
it frostbite?" 0.09)."""
BODY_SALIENCE = 0.2
"""A part of the body no article names counts only when the question rests on it this much: it is
usually where the trouble is, not what it is ("burnt my palm" 0.12)."""
MAX_FOCUS_WORDS = 25
"""Longer questions are letters: no one word carries 0.12 of their meaning, and checking each word
would cost one embedding per word. Not checked."""
TITLE_SHARE = 0.5
"""The IDF-weighted share of the first article's title words that a question must hold to name it."""
SPELLING = 0.88
"""difflib ratio at which an unseen word of at least SPELLING_LETTERS counts as a misspelling of a
passage word ("asthama" 0.92 to "asthma"). Short condition names sit one letter from common words
(lice–slice, stye–style, strep–step, 0.89): they are never taken for misspellings."""
SPELLING_LETTERS = 7
_CACHE_WORDS = 10_000

_WORD = re.compile(r"[a-z][a-z-]*[a-z]")


def focus_words(question: str) -> list[str]:
    """The content words of the question's focus, in order, once each ("athlete's" → "athlete")."""
    words: list[str] = []
    for w in question_focus(question).split():
        w = re.sub(r"'s$", "", w.strip("'-"))
        if len(w) >= 3 and _WORD.fullmatch(w) and w not in STOP_WORDS and w not in words:
            words.append(w)
    return words


class Coverage:
    """The coverage decision of `ask` over one store; safe to share between threads."""

    def __init__(
        self,
        settings: Settings,
        embedder: Embedder,
        vectors: VectorStore,
        index: Callable[[], HeadingIndex],
        words: StoreWords | None = None,
    ):
        self.settings = settings
        self.embedder = embedder
        self.vectors = vectors
        self.index = index
        """The store's document frequencies (`HeadingIndex.df`, from the keyword index, per generation)."""
        self.words = words
        """Whether a word is written in some article (not only a word sharing its stem)."""
        self._words: dict[str, np.ndarray] = {}
        self._lock = threading.Lock()

    def refusal(self, q: str, hits: list[Hit], qv: np.ndarray | None = None) -> Refusal | None:
        """Why the articles do not cover the question (the test that failed, with its figures); None to answer."""
        s = self.settings
        best, focus = self.evidence(q, hits, qv)
        qv = self.embedder.embed_query(q) if qv is None else qv
        if best < s.min_score or best + focus < s.min_evidence:  # refused on the cosines; the refusal still
            # names the subject no article mentions, if the question names one ("No article here mentions “tick”.")
            test, threshold = ("best cosine", s.min_score) if best < s.min_score else ("evidence", s.min_evidence)
            return Refusal(test if hits else "no passages", best, focus, threshold, self.absent_subject(q, qv, hits))
        subject = self.absent_subject(q, qv, hits)
        if subject is not None:  # it names what it is about, and no article does: at any cosine
            return Refusal("absent subject", best, focus, s.absent_word_similarity, subject)
        if best + focus >= s.absent_max_evidence:  # a strong match: the cosines decide
            return None
        absent = self.absent_focus(q, qv, hits)
        return Refusal("absent word", best, focus, s.absent_word_similarity, absent) if absent is not None else None

    def absent_subject(self, question: str, qv: np.ndarray, hits: list[Hit]) -> str | None:
        """The condition, creature, part of the body or medicine the question names (assistant/answering/
        subjects.py) that no article mentions, under its name or a synonym, and that the question rests
        on (taking it out moves the question's vector by at least MIN_SALIENCE); None if there is none.
        "How do I get a tick off?" over articles that say "tickly" but never "tick" names "tick"."""
        if self.words is None or self.settings.absent_word_similarity <= 0 or not hits:
            return None
        index = self.index()
        words = focus_words(question)
        if (
            not words
            or len(words) > MAX_FOCUS_WORDS
            or self._names_title(index, {t for w in words for t in tokenize([w])[0]}, hits[0].title)
        ):
            return None
        passage_words = sorted(
            {w for h in hits for w in _WORD.findall(f"{h.title} {h.section} {h.text}".lower()) if len(w) >= 3}
        )
        title = hits[0].title.lower()
        absent = [
            s
            for s in subjects_in(question, words)
            if len(s.text) >= 3
            and not any(self.words.has(x) for x in {s.text, s.lemma})
            and not any(self.words.has(x) for x in s.synonyms if " " not in x)
            and not any(re.search(rf"\b{re.escape(x)}", title) for x in s.broader)  # "charley horse" over *Leg cramps*
            and not (" " not in s.text and _misspelt(s.text, passage_words))
        ]
        if not absent:
            return None
        texts = [question, *(_without(question, s.text) for s in absent), *(_without(question, w) for w in words)]
        vecs = embed_on_query_path(self.embedder, texts)
        salience = 1.0 - vecs[1:] @ vecs[0]
        most = float(np.max(salience[len(absent) :])) if words else 0.0
        rests = []
        for s, v in zip(absent, salience[: len(absent)], strict=True):
            v = float(v)
            if s.kind == "body":  # a part of the body is where, more often than what: "burnt my palm"
                rests.append((v >= BODY_SALIENCE, v, s.text))
            else:  # what the question rests on, or at least the word it leans on most ("could it be shingles"),
                # or what it asks whether the trouble is ("..., is it frostbite?": the description carries more)
                leans = v >= SUBJECT_SALIENCE and (v >= 0.95 * most or asks_whether(question, s.text))
                rests.append((v >= MIN_SALIENCE or leans, v, s.text))
        log.debug("absent subjects of %r: %s", question, rests)
        chosen = [r for r in rests if r[0]]
        return max(chosen)[2] if chosen else None

    def evidence(self, q: str, hits: list[Hit], qv: np.ndarray | None = None) -> tuple[float, float]:
        """(best cosine of question and passage, best cosine of the question's focus and the first
        passages). `qv`, the question's vector, serves as the focus vector when the question has no
        frame words."""
        best = max((h.dense_score for h in hits if h.dense_score is not None), default=0.0)
        if best < self.settings.min_score:
            return best, 0.0
        top = [h.chunk_id for h in hits[: self.settings.answer_passages] if h.chunk_id]
        focus_text = question_focus(q)
        fv = qv if qv is not None and focus_text == q else self.embedder.embed_query(focus_text)
        focus = max((float(v @ fv) for v in self.vectors.vectors(top).values()), default=0.0)
        log.debug("coverage of %r: best cosine %.3f, focus %.3f", q, best, focus)
        return best, focus

    def absent_focus(self, question: str, qv: np.ndarray, hits: list[Hit]) -> str | None:
        """The word the question rests on that no article mentions, or None (see the module doc)."""
        if self.settings.absent_word_similarity <= 0 or not hits:
            return None
        index = self.index()
        words = focus_words(question)
        if not index.df or not words or len(words) > MAX_FOCUS_WORDS:
            return None
        stems = {w: tokenize([w])[0] for w in words}
        unseen = [w for w in words if not any(index.df.get(t, 0) for t in stems[w])]
        if not unseen or self._names_title(index, {t for w in words for t in stems[w]}, hits[0].title):
            return None
        passage_words = sorted(
            {
                w
                for h in hits
                for w in _WORD.findall(f"{h.title} {h.section} {h.text}".lower())
                if len(w) >= 3 and w not in STOP_WORDS
            }
        )
        unseen = [w for w in unseen if not _misspelt(w, passage_words)]
        if not unseen or not passage_words:
            return None
        near = self._word_vectors(passage_words)
        unseen = [
            w
            for w, v in zip(unseen, self._word_vectors(unseen), strict=True)
            if float(np.max(near @ v)) < self.settings.absent_word_similarity
        ]
        if not unseen:
            return None
        # salience: the question against itself without each word, in one batch (the same graph)
        others = [w for w in words if w not in unseen]
        vecs = embed_on_query_path(self.embedder, [question, *(_without(question, w) for w in unseen)])
        salience = dict(zip(unseen, 1.0 - vecs[1:] @ vecs[0], strict=True))
        top = max(unseen, key=salience.__getitem__)
        if salience[top] < MIN_SALIENCE:
            return None
        if others:  # the unseen word must carry more of the question than any other word
            rest = embed_on_query_path(self.embedder, [_without(question, w) for w in others])
            salience.update(zip(others, 1.0 - rest @ vecs[0], strict=True))
        rounded = {w: round(float(v), 3) for w, v in salience.items()}
        log.debug("absent words of %r: %s; salience %s", question, unseen, rounded)
        return top if max(salience, key=salience.__getitem__) == top else None

    @staticmethod
    def _names_title(index: HeadingIndex, question_stems: set[str], title: str) -> bool:
        """Whether the question holds TITLE_SHARE of the title's words (IDF-weighted)."""
        title_stems = set(tokenize([title])[0])
        total = sum(index.idf(t) for t in title_stems)
        held = sum(index.idf(t) for t in title_stems & question_stems)
        return total > 0 and held / total >= TITLE_SHARE

    def _word_vectors(self, words: list[str]) -> np.ndarray:
        """Vectors of single words, cached (a store's vocabulary recurs from question to question)."""
        with self._lock:
            got = {w: self._words[w] for w in words if w in self._words}
        missing = [w for w in words if w not in got]
        if missing:
            fresh = dict(zip(missing, embed_on_query_path(self.embedder, missing), strict=True))
            got.update(fresh)
            with self._lock:
                if len(self._words) + len(fresh) > _CACHE_WORDS:
                    self._words.clear()
                self._words.update(fresh)
        return np.array([got[w] for w in words])


class StoreWords:
    """Whether a word or phrase is written in some article of a store: a chunk holds it as a word
    (singular or plural), not only a word that shares its stem ("tickly" is not "tick"). The keyword
    index narrows the chunks to read; answers are cached per store generation."""

    LIMIT = 200
    """Chunks read for one word: those the keyword index ranks first for it."""

    def __init__(self, generations: PerGeneration, manifest: Manifest):
        self.generations = generations
        self.manifest = manifest
        self._lock = threading.Lock()

    def has(self, words: str) -> bool:
        index = self.generations.keyword()
        seen: dict[str, bool] = self.generations.get("words written", lambda _: {})
        key = words.lower()
        with self._lock:
            if key in seen:
                return seen[key]
        found = self._find(index, key)
        with self._lock:
            seen[key] = found
        return found

    def _find(self, index: KeywordIndex, words: str) -> bool:
        ids = [cid for cid, _ in index.search(words, self.LIMIT)]
        if not ids:
            return False
        parts = [re.escape(w) for w in words.split()]
        last = parts.pop()
        pattern = re.compile(r"\b" + "".join(f"{p}[\\s-]+" for p in parts) + rf"{last}(?:s|es|'s|’s)?\b", re.IGNORECASE)
        chunks = self.manifest.chunks_by_id(ids)
        return any(pattern.search(f"{c.title}\n{c.section}\n{c.text}") for c in chunks.values())


def asks_whether(question: str, subject: str) -> bool:
    """Whether the question asks if the trouble it describes is `subject` ("is it frostbite", "could this be
    shingles", "do I have scabies", "have I got gout"): the person names what they fear it is, and an answer
    about something else that looks the same would answer a question they did not ask."""
    name = re.escape(subject)
    return bool(
        re.search(
            rf"\b(?:is|could|might|can|would|are) (?:it|this|that|these|they|those) (?:just |actually |really )?"
            rf"(?:be )?(?:a |an |the )?{name}\b"
            rf"|\b(?:do|did|have|could|might) (?:i|you|we|he|she|they) (?:have|got|get|be getting) (?:a |an )?{name}\b",
            question,
            re.IGNORECASE,
        )
    )


def _misspelt(word: str, passage_words: list[str]) -> bool:
    return len(word) >= SPELLING_LETTERS and bool(difflib.get_close_matches(word, passage_words, n=1, cutoff=SPELLING))


def _without(question: str, word: str) -> str:
    return re.sub(rf"(?i)\b{re.escape(word)}\b", " ", question)
