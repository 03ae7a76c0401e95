"""Follow-up questions without an LLM: fold the conversation's topic into the retrieval query.

After "why cramps at night?", the follow-up "how can I make them stop quickly?" says nothing
about cramps. When a question is short or refers back (pronouns such as them / it / that,
openers such as "what about"), the content words of the earlier questions are appended to it:
"how can I make them stop quickly? (cramps night)". A question that stands on its own is
used as it is, so changing the subject works as expected.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from ..history import previous_questions
from ..store.keyword import STOP_WORDS

MIN_CONTENT_WORDS = 2
"""A question with fewer content words than this is treated as a follow-up ("how long?")."""
MAX_REFERRING_WORDS = 4
"""A question with a back-reference (them, it, ...) is a follow-up unless it has more content words
than this: a long question usually names its own topic ("is it true that magnesium stops cramps at night?")."""
MAX_TOPIC_WORDS = 8
"""At most this many topic words are folded in (the most recent questions first)."""

_WORD = re.compile(r"[a-z0-9]+(?:['’][a-z]+)?", re.IGNORECASE)

_BACK_REFERENCES = frozenset(
    "it its it's itself they them their theirs themselves that those these this he him his she her same such".split()
)
_FOLLOW_UP_OPENERS = re.compile(
    r"^\s*(?:what|how) about\b|^\s*and\b|^\s*also\b|^\s*what else\b|^\s*anything else\b|^\s*(?:but|so|or)\b"
    r"|^\s*why (?:is|does|do|would) that\b|^\s*(?:tell me )?more\b|^\s*(?:any|other) (?:tips|ways|causes)\b",
    re.IGNORECASE,
)
_STOP_WORDS = STOP_WORDS | frozenset(
    """
    so than from without about onto over under after before during while i me my mine we us our you your yours
    its it's them he him his she her those here what which who whom whose why how when where were been being
    am do does did done doing have has had having can could should would shall may might must get gets got
    getting make makes made making let lets take takes go goes going keep keeps yes very really just also too
    more most much many some any all every other another same one ones thing things way ways best good bad
    okay ok please thanks thank tell know want need help else something anything everything someone anyone
    cause causes caused
    """.split()
)
"""The keyword index's English stop words, and the words of a question that do not name its topic
("how", "help", "tell", "cause" ...)."""


def words(text: str) -> list[str]:
    return [w.lower().replace("’", "'") for w in _WORD.findall(text)]


def content_words(text: str) -> list[str]:
    """Words that carry the topic: no stop words, no one-letter words, in order, without repeats."""
    seen: dict[str, None] = {}
    for w in words(text):
        if len(w) > 1 and w not in _STOP_WORDS and w not in seen:
            seen[w] = None
    return list(seen)


def is_follow_up(question: str) -> bool:
    """True when the question is short or refers back to something said before."""
    if _FOLLOW_UP_OPENERS.search(question):
        return True
    n = len(content_words(question))
    if n < MIN_CONTENT_WORDS:
        return True
    return n <= MAX_REFERRING_WORDS and any(w in _BACK_REFERENCES for w in words(question))


def topic_words(history: Iterable[Any] | None) -> list[str]:
    """Content words of the conversation's current topic, most recent question first.

    Walks back from the last question: a follow-up adds its words and keeps walking; the first
    question that stands on its own ends the topic.
    """
    topic: dict[str, None] = {}
    for q in reversed(previous_questions(history)):
        for w in content_words(q):
            topic.setdefault(w, None)
        if not is_follow_up(q):
            break
    return list(topic)[:MAX_TOPIC_WORDS]


def fold_question(question: str, history: Iterable[Any] | None) -> str:
    """The retrieval query for `question` asked after `history` (earlier questions or messages).

    Returns the question unchanged when there is no history or it stands on its own.
    """
    if not history or not is_follow_up(question):
        return question
    own = set(content_words(question))
    extra = [w for w in topic_words(history) if w not in own]
    if not extra:
        return question
    return f"{question.rstrip()} ({' '.join(extra)})"


__all__ = ["content_words", "fold_question", "is_follow_up", "previous_questions", "topic_words"]
