"""Urgent warning signs: when a question mentions one, the answer starts with a notice to seek care;
and the groups a question is about (pregnancy, children, older people) that no passage found addresses.

One small list, kept here so it can be reviewed and tested in one place. The patterns aim at
symptoms that need emergency care *now* (heart attack, stroke, breathing, suicide, severe
bleeding, anaphylaxis, ...); everyday questions that merely share a word ("breathing exercises
for stress", "how to stop a nosebleed") must not trigger them.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from ..text import any_of as _rx
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
        # "my lips are swelling up", "lips r swelling", "tongue has gone all swollen", "throat started to close"
        r"face (?:is |are |keeps? |started )?(?:swelling|swollen|closing)",
        r"(?:throat|tongue|lips?) (?:(?:is|are|r|has|have|had|been|keeps?|kept|started|starting|seems?|seemed|feels?"
        r"|felt|like|it's|gone|going|getting|got|become|became|begun|began|all|a bit|really|so|very|now|also|suddenly) ){0,3}"
        r"(?:swelling|swollen(?! (?:glands?|tonsils?|taste buds?|lymph|nodes?))|swelled|closing"
        r"|(?:started|starting|began|begun|beginning|going|seems?|seemed) to (?:swell|close))",
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


# --- who the question is about ---------------------------------------------------------------


@dataclass(frozen=True)
class Qualifier:
    name: str
    """What is not addressed, in plain words ("pregnancy")."""
    question: re.Pattern[str]
    """How a question says it."""
    passage: re.Pattern[str]
    """How a passage that addresses it says it."""
    note: str
    """What the answer says first when no passage found addresses the group."""
    heading: str = ""
    """The label over the article's own line for the group, when the answer leads with it."""
    medicine_note: str = ""
    """The note for a question about a medicine ("{medicine}" is its name as asked)."""

    def note_for(self, medicine: str | None = None) -> str:
        """The note to lead with: about the medicine the question names, if it names one."""
        return self.medicine_note.format(medicine=medicine) if medicine and self.medicine_note else self.note


_PREGNANCY = Qualifier(
    "pregnancy or breastfeeding",
    _rx(
        r"\bpregnan",
        r"\bexpecting\b",
        r"\btrimester",
        r"\bbreast[- ]?feed",
        r"\bnursing\b",
        r"\bbaby bump",
        r"\bwhile (?:i'?m|i am) (?:pregnant|nursing)",
        r"\bmonths? pregnant",
    ),
    _rx(r"\bpregnan", r"\bbreast[- ]?feed", r"\bnursing\b", r"\bexpecting a baby", r"\bmidwife"),
    "The articles found do not mention pregnancy or breastfeeding: ask a pharmacist, midwife or doctor "
    "before taking medicines or following this advice.",
    "In pregnancy or when breastfeeding:",
    "The articles found do not say whether {medicine} is safe in pregnancy or when breastfeeding: ask a "
    "pharmacist, midwife or doctor first.",
)
_CHILD = Qualifier(
    "children",
    _rx(
        r"\bbab(?:y|ies)\b",
        r"\binfants?\b",
        r"\btoddlers?\b",
        r"\bnewborns?\b",
        r"\bchild(?:ren)?\b",
        r"\bkids?\b",
        r"\bkid'?s\b",
        r"\b(?:my|our|his|her|their) (?:little |young |youngest |eldest |oldest )?(?:sons?|daughters?|boy|girl)\b",
        r"\bpreschooler",
        r"\bteen(?:ager)?s?\b",
        r"\blittle ones?\b",
        r"\b(?:[1-9]|1[0-7])[- ]?(?:year|yr|month|week)s?[- ]olds?\b",
        r"\bgrand(?:son|daughter|child(?:ren)?|kids?)s?\b",
        r"\b(?:[1-9]|1[0-7]) ?(?:yo|y/o)\b",
        r"\baged? (?:[1-9]|1[0-7])\b",
        r"\b(?:\d{1,2}|one|two|three|four|five|six|seven|eight|nine|ten|eleven) (?:months?|weeks?)[- ]old\b",
        r"\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)[- ]year[- ]old\b",
    ),
    _rx(
        r"\bchild",
        r"\bkids?\b",
        r"\bbab(?:y|ies)\b",
        r"\binfants?\b",
        r"\btoddlers?\b",
        r"\bteen",
        r"\byoung people",
        r"\bnappies\b",
        r"\bparents?\b",
        r"\baged? (?:about )?\d{1,2} to \d{1,2}\b",
    ),
    "The articles found do not say whether this applies to children: check with a doctor, nurse or "
    "pharmacist before giving a child medicines or treatments.",
    "For children:",
    "The articles found do not say whether {medicine} is suitable for children: ask a pharmacist or doctor "
    "before giving it to a child.",
)
_OLDER = Qualifier(
    "older people",
    _rx(
        r"\belderly\b",
        r"\bold(?:er)? (?:age|people|person|adults?|man|woman|lady|gentleman)\b",
        r"\bsenior",
        r"\bgrand(?:ma|pa|mother|father|parent|dad|mum|mom|ad)s?\b|\bgrann(?:y|ies)\b|\bgran\b|\bnan(?:a|na)?\b",
        r"\bpensioner",
        r"\b(?:6[5-9]|[7-9]\d|1[01]\d)[- ]?(?:year|yr)s?[- ]olds?\b",
        r"\b(?:is|he's|she's|hes|shes|i'm|im|i am|who's|turned|turning) (?:now )?(?:6[5-9]|[7-9]\d|1[01]\d)\b(?! ?(?:kg|lbs?|pounds|%|degrees|minutes|mins|hours|days|weeks))",
        r"\b(?:6[5-9]|[7-9]\d|1[01]\d) ?(?:yo|y/o)\b",
        r"\b(?:lives?|living|stays?|staying|resident) in (?:a|the|her|his|their) (?:care|nursing|residential|retirement) home\b",
        r"\baged? (?:6[5-9]|[7-9]\d|1[01]\d)\b",
        r"\b(?:in (?:his|her|their|my) )?(?:seventies|eighties|nineties)\b",
        r"\bin (?:his|her|their|my) (?:[7-9]0)'?s\b",
        r"\bover (?:6[5-9]|[7-9]0)\b",
        r"\bretired\b",
    ),
    _rx(
        r"\bolder (?:people|adults?|person)",
        r"\belderly\b",
        r"\bover (?:6\d|7\d|8\d)\b",
        r"\bseniors?\b",
        r"\bage(?:ing|d)? (?:over|above)",
        r"\bolder\b",
    ),
    "The articles found do not say whether this applies to older people: check with a doctor or "
    "pharmacist, especially about medicines and other conditions.",
    "For older people:",
    "The articles found do not say whether {medicine} is safe for older people: ask a pharmacist or doctor "
    "first, especially alongside other medicines.",
)
QUALIFIERS: tuple[Qualifier, ...] = (_PREGNANCY, _CHILD, _OLDER)


def unaddressed(question: str, passages: list[str]) -> list[Qualifier]:
    """The qualifiers the question carries that none of the passages mentions."""
    text = "\n".join(passages)
    return [q for q in QUALIFIERS if q.question.search(question) and not q.passage.search(text)]


__all__ = ["QUALIFIERS", "WARNING_SIGNS", "Qualifier", "WarningSign", "unaddressed", "urgent_notice", "warning_signs"]
