"""What the articles never mention: a question that names something no article uses.

"How do I treat head lice?" lands on the dandruff article (itchy scalp, flakes, shampoo) with a cosine
that covered plain-language questions also reach, so a cosine cannot tell them apart (docs/EVAL.md).
What can: the store has never seen the word "lice", no word of the best passages means the same,
and the word is what the question is about. `absent_focus` checks those three things:

1. the word (a focus word: the question without its frame, `question_focus`) is in no chunk of the
   store (its stems are not in the keyword index);
2. no word of the passages that would answer comes close to it in the embedding space (cosine
   below `Settings.absent_word_similarity`): "poop" is not in the corpus but "stool" is, "burnt" has
   "burn", "toddler" has "child";
3. it is the word the question's meaning rests on: taking it out moves the question's vector
   further than taking out any other focus word, and by at least MIN_SALIENCE ("my calf seized up in
   bed" rests on "calf", not on "seized"; "staring at spreadsheets" is a circumstance).

A question that names the subject of the best passage's article is about it, whatever else it mentions:
"please help my brother with locked-in syndrome in Martinique" over the article *Locked-In Syndrome*
is covered, though no article names the island (MEDIQA's letters name places and people).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping

import numpy as np

from ..embedding.base import Embedder
from ..search.intent import question_focus
from ..search.keyword import STOP_WORDS, tokenize
from ..types import Hit

log = logging.getLogger(__name__)

MIN_SALIENCE = 0.12
"""1 − cosine(question, question without the word): how much of the question's meaning the word carries."""
_CACHE_WORDS = 50_000

_WORD = re.compile(r"[a-z][a-z-]*[a-z]")


def focus_words(question: str) -> list[str]:
    """The content words of the question's focus, in order, once each ("athlete's" → "athlete")."""
    words = []
    for w in question_focus(question).split():
        w = re.sub(r"'s$", "", w.strip("'-"))
        if len(w) >= 3 and _WORD.fullmatch(w) and w not in STOP_WORDS and w not in words:
            words.append(w)
    return words


class AbsentCheck:
    """`absent_focus` over one store: its document frequencies and the shared embedder."""

    def __init__(self, embedder: Embedder, df: Callable[[], Mapping[str, int]], min_similarity: float):
        self.embedder = embedder
        self.df = df
        """Chunks of the store holding each stemmed token (the keyword index's, per generation)."""
        self.min_similarity = min_similarity
        self._vectors: dict[str, np.ndarray] = {}

    def absent_focus(self, question: str, qv: np.ndarray, hits: list[Hit]) -> str | None:
        """The word the question is about that no article mentions, or None (see the module doc)."""
        if self.min_similarity <= 0 or not hits:
            return None
        df = self.df()
        words = focus_words(question)
        if not df or not words:
            return None
        stems = {w: tokenize([w])[0] for w in words}
        unseen = [w for w in words if not any(df.get(t, 0) for t in stems[w])]
        if not unseen or set(tokenize([hits[0].title])[0]) & {t for w in words for t in stems[w]}:
            return None  # nothing unseen, or the question names the subject of the article found
        passage_words = sorted(
            {w for h in hits for w in _WORD.findall(f"{h.title} {h.section} {h.text}".lower()) if w not in STOP_WORDS}
        )
        if not passage_words:
            return None
        near = self._embed(passage_words)
        unseen_vectors = self._embed(unseen)
        unseen = [w for w, v in zip(unseen, unseen_vectors) if float(np.max(near @ v)) < self.min_similarity]
        if not unseen:
            return None
        without = self._embed_texts([re.sub(rf"(?i)\b{re.escape(w)}\b", " ", question) for w in words])
        salience = 1.0 - without @ qv
        top = int(np.argmax(salience))
        log.debug("absent words of %r: %s; salience %s", question, unseen, dict(zip(words, np.round(salience, 3))))
        if words[top] in unseen and salience[top] >= MIN_SALIENCE:
            return words[top]
        return None

    def _embed_texts(self, texts: list[str]) -> np.ndarray:
        # on the query path: use the query thread count where the embedder offers it
        embed = getattr(self.embedder, "embed_queries", None) or self.embedder.embed_documents
        return np.asarray(embed(texts))

    def _embed(self, words: list[str]) -> np.ndarray:
        """Vectors of single words, cached (a store's vocabulary recurs from question to question)."""
        missing = [w for w in words if w not in self._vectors]
        if missing:
            if len(self._vectors) + len(missing) > _CACHE_WORDS:
                self._vectors.clear()
            self._vectors.update(zip(missing, self._embed_texts(missing)))
        return np.array([self._vectors[w] for w in words])
