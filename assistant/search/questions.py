"""Turn whatever a user typed into a question the retriever can use."""

from __future__ import annotations

import re
import unicodedata

from ..text import SENTENCE_GAP, cut_at_word, one_line

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")
"""Control characters, and lone surrogates (valid in JSON, e.g. from the app's API, but the tokenizer refuses them)."""


def clean_question(text: str, max_chars: int = 2000) -> tuple[str, list[str]]:
    """(cleaned question, notes for the user). Control characters go, whitespace collapses,
    and a very long question is truncated (with a note) so it can be embedded."""
    notes: list[str] = []
    if not isinstance(text, str):
        text = "" if text is None else str(text)
    text = unicodedata.normalize("NFKC", text)
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Cf")  # zero-width and other invisible marks
    text = _CONTROL.sub(" ", text)
    text = one_line(text)
    if len(text) > max_chars:
        cut = cut_at_word(text, max_chars)
        notes.append(f"Your question was {len(text):,} characters long; only the first {len(cut):,} were used.")
        text = cut
    return focus(text), notes


# --- the words of a message that are not the question --------------------------------------
# Consumer questions arrive as messages: a reply prefix or a contact-form subject, a greeting,
# pleasantries, a signature. None of it is about health, and all of it dilutes both the query
# vector and the keyword query, so it goes before retrieval (never when nothing would be left).

_REPLY_PREFIX = re.compile(r"^(?:(?:re|fwd?|aw|sv)\s*:\s*)+", re.I)
_FORM_SUBJECT = re.compile(r"^[\w-]+(?:\.[\w-]+)*\.(?:gov|com|org|net|edu)\s+-\s+[^.?!]{0,80}[.:]\s+", re.I)
_GREETING = re.compile(
    r"^(?:hi+|hello+|hey+|hiya|greetings|good\s+(?:morning|afternoon|evening|day)|dear)\b"
    r"(?:\s+(?:there|all|everyone|everybody|sir|sirs|madam|dr\.?|doctors?|team|friends?|folks))*\s*[,.!:;-]*\s*",
    re.I,
)
# A sentence that is nothing but a pleasantry or a signature: a sign-off with at most a few
# words after it ("Thank you so much", "Best, Ann"), a bare plea for help, or an introduction.
_PLEASANTRY = re.compile(
    r"^(?:(?:(?:many\s+)?thanks?(?:\s+you)?|thank\s+you|thx|regards|kind\s+regards|best(?:\s+wishes|\s+regards)?"
    r"|sincerely|cheers|god\s+bless(?:\s+you)?|bless\s+you)(?:[\s,]+[\w'-]+){0,4}"
    r"|(?:please\s+|somebody\s+|someone\s+|kindly\s+)*help(?:\s+(?:me|us))?(?:\s+please)?"
    r"|my\s+name\s+is(?:[\s,]+[\w'-]+){1,3})\W*$",
    re.I,
)
_SENTENCE = re.compile(SENTENCE_GAP)


def focus(text: str) -> str:
    """The question without reply prefixes, form subjects, greetings, pleasantries and signature."""
    original = text
    text = _REPLY_PREFIX.sub("", text)
    text = _FORM_SUBJECT.sub("", text)
    text = re.sub(r"([.!?])\1+", r"\1", text)  # "...." and "!!!" -> one mark
    kept: list[str] = []
    for sentence in _SENTENCE.split(text):
        s = sentence
        while (m := _GREETING.match(s)) and m.end() > 0:
            s = s[m.end() :]
        s = s.strip()
        if s and not _PLEASANTRY.match(s):
            kept.append(s)
    out = " ".join(kept).strip()
    return out if len(out) >= 3 else original
