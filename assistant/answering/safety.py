"""Urgent warning signs: when a question mentions one, the answer starts with a notice to seek care.

One small list, kept here so it can be reviewed and tested in one place. The patterns aim at
symptoms that need emergency care *now* (heart attack, stroke, breathing, suicide, severe
bleeding, anaphylaxis, ...); everyday questions that merely share a word ("breathing exercises
for stress", "how to stop a nosebleed") must not trigger them.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from ..text import one_line


@dataclass(frozen=True)
class WarningSign:
    name: str
    """What the sign is, in plain words (shown in tests and logs)."""
    pattern: re.Pattern[str]
    crisis: bool = False
    """Thoughts of suicide or self-harm: the notice names a crisis line too."""


def _sign(name: str, *alternatives: str, crisis: bool = False) -> WarningSign:
    return WarningSign(name, re.compile(r"\b(?:" + "|".join(alternatives) + r")", re.IGNORECASE), crisis)


_SEVERE = r"(?:severe|bad|heavy|serious|uncontrolled|a lot of|lots of|massive|profuse)"
_STOP = r"(?:won'?t|will not|doesn'?t|does not|can'?t|cannot|isn'?t|is not|not) (?:stop|stopping|slow)"

WARNING_SIGNS: tuple[WarningSign, ...] = (
    _sign(
        "chest pain or a heart attack",
        r"chest (?:pain|pains|pressure|tightness|tight|hurts?|is hurting|squeezing|crushing)",
        r"(?:pain|pressure|tightness|squeezing) in (?:my |the |his |her )?chest",
        r"chest (?:feels|is|gets|went|goes) (?:so |really |very )?(?:tight|heavy|crushed|squeezed)",
        r"crushing (?:chest )?pain",
        r"heart attack",
        r"cardiac arrest",
    ),
    _sign(
        "trouble breathing",
        r"(?:trouble|difficulty|difficult|hard|struggling|problems?) (?:breathing|to breathe|catching (?:my|his|her) breath)",
        r"can'?t breathe",
        r"cannot breathe",
        r"unable to breathe",
        r"not breathing",
        r"stopped breathing",
        r"short(?:ness)? of breath",
        r"gasping for (?:air|breath)",
        r"choking",
        r"lips? (?:are |is |turning )?blue",
    ),
    _sign(
        "signs of a stroke",
        r"(?<!heat )(?<!sun )stroke\b",
        r"face (?:is )?droop",
        r"drooping (?:face|mouth|eyelid)",
        r"slurred speech",
        r"(?:speech|talking) (?:is )?slurred",
        r"(?:sudden|suddenly) (?:weak|weakness|numb|numbness|paralys|confus|blind|loss of vision|vision loss|can'?t (?:speak|talk|see))",
        r"(?:weak|weakness|numb|numbness) (?:on|in) one side",
        r"one side of (?:my |the |his |her )?(?:face|body)",
        r"worst headache",
        r"thunderclap headache",
        r"(?:sudden|suddenly) (?:severe|very bad|terrible) headache",
    ),
    _sign(
        "thoughts of suicide or self-harm",
        r"suicid",
        r"kill (?:my|him|her|them)sel(?:f|ves)",
        r"end (?:my|his|her) (?:own )?life",
        r"want(?:s)? to die",
        r"don'?t want to (?:live|be alive)",
        r"self[- ]harm",
        r"hurt(?:ing)? (?:my|him|her)self",
        r"cut(?:ting)? (?:my|him|her)self",
        r"overdos",
        crisis=True,
    ),
    _sign(
        "severe bleeding",
        _SEVERE + r" bleeding",
        r"bleeding (?:heavily|badly|a lot)",
        r"(?:bleed(?:ing)?|blood|nosebleed)s? (?:that |which )?" + _STOP,
        r"(?:coughing|vomiting|throwing) up blood",
        r"(?:vomit|cough)(?:ing|ed)? blood",
        r"blood in (?:my |the )?vomit",
        r"spurting blood",
    ),
    _sign(
        "a severe allergic reaction",
        r"anaphyla",
        r"(?:throat|tongue|lips?|face) (?:is |are |keeps? |started )?(?:swelling|swollen|closing)",
        r"swelling of (?:my |the |his |her )?(?:throat|tongue|lips?|face)",
    ),
    _sign(
        "loss of consciousness or a seizure",
        r"unconscious",
        r"passed out",
        r"pass(?:es|ing)? out",
        r"fainted",
        r"won'?t wake up",
        r"can'?t wake (?:him|her|them)",
        r"unresponsive",
        r"seizure",
        r"convulsion",
    ),
    _sign(
        "poisoning",
        r"(?<!food )poison(?:ed|ing|ous)?\b",
        r"swallowed (?:bleach|battery|batteries|detergent|pills|medicine)",
    ),
    _sign(
        "severe burns or injuries",
        r"(?:severe|bad|large|deep) burn",
        r"head injury",
        r"hit (?:my|his|her) head",
        r"broken bone sticking",
        r"(?:stiff neck|neck stiffness) (?:and|with) (?:a )?(?:fever|rash)",
        r"rash that doesn'?t fade",
    ),
)

NOTICE = (
    "**⚠️ Your question mentions {sign}, which can be a medical emergency. If this is happening now, "
    "call your local emergency number (for example 911, 112 or 999) or go to the nearest emergency "
    "department. Do not wait for an answer from these articles.**"
)
CRISIS = (
    " **If you are thinking about ending your life or harming yourself, please contact a crisis line "
    "(in the US call or text 988; elsewhere your local emergency number) or someone you trust right now.**"
)


def warning_signs(question: str) -> list[WarningSign]:
    """The urgent warning signs a question mentions, in the order of WARNING_SIGNS."""
    if not isinstance(question, str) or not question:
        return []
    text = unicodedata.normalize("NFKC", question).replace("’", "'").replace("‘", "'")
    text = one_line(text)
    return [s for s in WARNING_SIGNS if s.pattern.search(text)]


def urgent_notice(question: str) -> str | None:
    """A short Markdown notice to seek urgent care, or None when no warning sign is mentioned."""
    signs = warning_signs(question)
    if not signs:
        return None
    names = [s.name for s in signs]
    sign = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]
    notice = NOTICE.format(sign=sign)
    if any(s.crisis for s in signs):
        notice += CRISIS
    return notice


__all__ = ["WARNING_SIGNS", "WarningSign", "urgent_notice", "warning_signs"]
