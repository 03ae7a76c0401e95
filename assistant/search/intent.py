"""What a question asks for, what a section offers, and who the question is about.

Consumer-health questions come in a few kinds (Ben Abacha & Demner-Fushman's question types:
cause, treatment, symptoms, prevention, diagnosis, outlook, information ...), and health
articles are written in sections of the same kinds ("Causes of ...", "How to relieve ...",
"When to see a doctor"). Matching the two lets an answer lead with the section that answers
the question rather than the one that merely shares its words. The patterns describe how
people phrase each kind in general; they are not taken from any question set.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

CAUSE, TREATMENT, SYMPTOMS, PREVENTION, DIAGNOSIS, DOCTOR, OUTLOOK, DEFINITION, DURATION = (
    "cause",
    "treatment",
    "symptoms",
    "prevention",
    "diagnosis",
    "doctor",
    "outlook",
    "definition",
    "duration",
)

QTYPE_OF_DATA = {
    "causes": CAUSE,
    "treatment": TREATMENT,
    "symptoms": SYMPTOMS,
    "information": DEFINITION,
    "prevention": PREVENTION,
    "outlook": OUTLOOK,
    "exams and tests": DIAGNOSIS,
    "when to see a doctor": DOCTOR,
}
"""The `qtype` values of the question sets, mapped to ours."""


def _rx(*alternatives: str) -> re.Pattern[str]:
    return re.compile(r"(?:" + "|".join(alternatives) + r")", re.IGNORECASE)


# Question kinds, tried in this order: the first that matches wins ("how do I prevent ..." is
# prevention, not treatment; "when should I see a doctor about the pain" is a doctor question).
_QUESTION_KINDS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        DOCTOR,
        _rx(
            r"\bwhen (?:should|do|must|would) (?:i|we|you|he|she|they)\b.{0,30}\b(?:see|call|go|get|visit|worry|seek)",
            r"\bshould (?:i|we|he|she|they) (?:see|call|go to|visit|get|be worried|worry)",
            r"\b(?:do|does|would) (?:i|we|he|she|they) need (?:to see |a |an )?(?:doctor|gp|dentist|hospital|a&e|er\b|medical)",
            r"\bis (?:it|this|that) (?:serious|dangerous|an emergency|worrying)",
            r"\bwhen to (?:see|call|worry|seek)",
            r"\bshould i (?:be )?worr",
            r"\bcould (?:it|this) be (?:serious|my heart|a heart)",
            r"\bis (?:it|this) (?:just )?(?:heartburn|indigestion|reflux)\b",
            r"\bcould this be reflux",
            r"\b(?:should|need to|have to|must)\b.{0,40}\b(?:see|call|visit) (?:a |my |the |our )?(?:doctor|gp|dentist|nurse)",
            r"\bneed to (?:go in|be seen|go to (?:the )?(?:hospital|er|a&e|emergency))",
            r"\bbring it up with (?:my|a|the) doctor",
        ),
    ),
    (
        PREVENTION,
        _rx(
            r"\bprevent",
            r"\bavoid (?:getting|catching)",
            r"\bstop (?:\w+ ){0,3}(?:from )?(?:coming back|happening again|recurring)",
            r"\bkeep (?:\w+ ){0,5}from (?:getting|coming|catching)",
            r"\bstop (?:it|this|them|the \w+) (?:from )?spreading",
            r"\breduce (?:the )?(?:risk|chance)",
        ),
    ),
    (DURATION, _rx(r"\bhow long\b", r"\bhow many (?:minutes|hours|days|weeks|seconds)")),
    (
        DIAGNOSIS,
        _rx(
            r"\bhow (?:do|can|would) (?:i|you|we|doctors?) (?:know|tell|find out) (?:if|whether)",
            r"\bhow (?:do|can|will|would) (?:doctors?|they|the doctor|a doctor) (?:figure out|find out|tell|test|check)",
            r"\btest(?:ed)? (?:her|him|me|them|us) for\b",
            r"\bdiagnos",
            r"\bwhat tests?\b",
            r"\bis (?:it|this|that) (?:broken|a fracture|a sprain|sprained)",
            r"\b(?:or|vs\.?|versus) (?:a |the )?(?:broken|fracture|flu|cold|sprain|sleep apnoea|sleep apnea|a heart)",
        ),
    ),
    (
        TREATMENT,
        _rx(
            r"\bwhat (?:helps|can help|will help|would help|works|can i (?:do|take|use|put|try)|should i (?:do|take|use|put))",
            r"\bhow (?:do|can|should|could) (?:i|you|we) (?:stop|treat|cure|relieve|ease|soothe|get rid|heal|fix|calm|make|deal|handle|manage|quit|help|get (?:it|them|this) to)",
            r"\bhow to (?:stop|treat|cure|relieve|ease|soothe|get rid|heal|fix|calm|deal|manage)",
            r"\b(?:get rid of|remed(?:y|ies)|treatments?|cure|relief|home care|first aid|tricks?|tips)\b",
            r"\bwhat (?:do|can|should|could) (?:i|we|you|he|she|they) (?:do|take|use|put|give|try)",
            r"\bwhat (?:calms|soothes|eases|relieves|stops|cures|treats|gets rid|settles|takes away)\b",
            r"\banything (?:that )?(?:helps?|works?)",
            r"\bwhich (?:\w+ )?(?:painkiller|medicine|medication|tablet|cream|drug|antifungal|antihistamine)",
            r"\bbest way to (?:stop|treat|cure|relieve|ease|get rid)",
            r"\bis there (?:a|any) (?:\w+ )?(?:trick|way|thing|remedy|exercise)",
            r"\bcan i take\b",
            r"\bshould i (?:pop|take|use|put|ice|heat)",
            r"\bhow (?:do|can) i (?:make it|make them) (?:stop|go away|heal)",
            r"\bquickest way|fastest way\b",
            r"\bwhat (?:\w+ )?helps\b",
            r"\bany way to\b",
            r"\bcan (?:that|it|this|they) be (?:fixed|treated|cured|helped)",
            r"\bhow (?:can|do|should) (?:i|we) get (?:the|my|it|this|them|rid)\b",
            r"\bdo (?:i|we|you) need (?:antibiotics|medicine|medication|an? (?:cream|inhaler|antibiotic))",
            r"\bshould (?:i|we) (?:rub|warm|cool|wrap|bandage|drain|squeeze|stretch|rest)",
        ),
    ),
    # "how bad is this burn": how serious, after treatment ("how bad is a hangover and how do I treat it")
    (DOCTOR, _rx(r"\bhow (?:bad|serious) (?:is|of|a)\b(?! it to\b)")),
    (
        CAUSE,
        _rx(
            r"^\s*why\b",
            r"[,;.!?]\s*why\b",
            r"\bwhy (?:do|does|did|am|is|are|would|have|has|can't|won't)\b",
            r"\bwhat (?:causes|caused|is causing|could cause|can cause|makes|triggers|brings on|sets off)",
            r"\bwhat'?s (?:behind|causing)",
            r"\b(?:cause|causes|reason|reasons|trigger|triggers) (?:of|for|why|my)\b",
            r"\breason\b",
            r"\bwhat could be (?:behind|causing|the cause)",
            r"\bcould (?:that|this|it|the \w+) (?:be why|be the reason|have caused|cause)",
            r"\bbehind (?:it|this|that)\b",
        ),
    ),
    (
        SYMPTOMS,
        _rx(
            r"\b(?:signs?|symptoms?)\b",
            r"\bwhat does (?:\w+ ){1,4}feel like",
            r"\bhow (?:do|can|would) (?:i|you) know\b",
            r"\bam i (?:dehydrated|anaemic|anemic|low)",
        ),
    ),
    (
        OUTLOOK,
        _rx(
            r"\boutlook\b",
            r"\bprognosis\b",
            r"\bwill (?:it|this|they|i) (?:go away|get better|heal|recover)",
            r"\bis (?:it|that|this) normal\b",
        ),
    ),
    (
        DEFINITION,
        _rx(
            r"^\s*what (?:is|are) (?!the\b)",
            r"\bwhat is (?:this|it|that|going on)",
            r"\bwhat'?s (?:going on|this|that|wrong)",
            r"\bwhat (?:could|might) (?:it|this) be",
        ),
    ),
)

# Section kinds from headings; a section may offer more than one.
_SECTION_KINDS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        DOCTOR,
        _rx(
            r"\bdoctor\b",
            r"\bgp\b",
            r"\bmedical (?:help|attention|care|advice)",
            r"\bget help\b",
            r"\bemergency\b",
            r"\bwarning signs?\b",
            r"\bwhen (?:\w+ ){0,3}needs? (?:a|medical)",
            r"\bseek",
            r"\bor a heart problem",
            r"\bdentist|optician",
        ),
    ),
    (
        PREVENTION,
        _rx(
            r"\bprevent",
            r"\bavoid",
            r"\bstay hydrated",
            r"\bhabits?\b",
            r"\bcoming back\b",
            r"\bhealthier\b",
            r"\bways to prevent",
            r"\breduce .{0,20}exposure",
        ),
    ),
    (
        TREATMENT,
        _rx(
            r"\btreat",
            r"\btherap",
            r"\brelie[fv]",
            r"\bease\b",
            r"\bsoothe",
            r"\bstop\b",
            r"\bremed",
            r"\bself[- ]care",
            r"\blook(?:ing)? after\b",
            r"\bfirst aid",
            r"\bwhat to do\b",
            r"\bhelp\b",
            r"\bmanage",
            r"\bmedicines?\b",
            r"\brehydrate",
            r"\bbreathing\b",
            r"\bcare\b",
            r"\bget(?:ting)? moving",
            r"\bkeep moving",
            r"\bpain relief",
            r"\bget rid",
            r"\brule\b",
            r"\btips\b",
        ),
    ),
    (
        CAUSE,
        _rx(
            r"\bcause",
            r"\bwhy\b",
            r"\btrigger",
            r"\bwhat makes",
            r"\brisk",
            r"\bwho (?:burns|gets|is at)",
            r"\breasons?\b",
            r"\bgenetic changes",
            r"\binherit",
        ),
    ),
    (SYMPTOMS, _rx(r"\bsymptom", r"\bsigns?\b", r"\bfeel like", r"\bshow up")),
    (
        DIAGNOSIS,
        _rx(
            r"\bdiagnos",
            r"\btests?\b",
            r"\bexams?\b",
            r"\bor (?:a )?broken",
            r"\bor (?:the )?flu\b",
            r"\bcomparison\b",
            r"\bor sleep apn",
            r"\bor an injury",
        ),
    ),
    (OUTLOOK, _rx(r"\boutlook\b", r"\bprognosis", r"\bnormal soreness")),
    (DEFINITION, _rx(r"^\s*what (?:is|are)\b", r"\boverview\b")),
)


_FRAME_WORDS = frozenset(
    """a about actually again all also am an and any anything are as at be been best but by can cant can't cause
    caused causes causing could did do does doing don't dont done early ever every fast faster fastest for from get
    go going had has have having help helped helps how i i'd i'm i've if im in is isn't it it's its just keep kept
    know make makes me mine much my no not now of on or our please quick quickest quickly really rid should
    sign signs so some something still stop stopping symptom symptoms take tell than that the then there these
    thing things this those to too treat treated treating treatment use very was way ways we were what what's
    whats when where which who why will with won't wont would you your""".split()
)


def question_focus(question: str) -> str:
    """The question without its frame ("how do I get rid of", "what causes", "my", ...): what it
    is about, to be matched against the passages on its own (coverage in assistant/answering/asking.py)."""
    words = re.findall(r"[\w'’-]+", question.lower().replace("’", "'"))
    kept = [w for w in words if w not in _FRAME_WORDS]
    return " ".join(kept) or question


def question_kind(question: str) -> str | None:
    """The kind of answer a question wants (one of the constants above), or None."""
    for kind, pattern in _QUESTION_KINDS:
        if pattern.search(question):
            return kind
    return None


def section_kinds(heading: str) -> frozenset[str]:
    """The kinds of answer a section offers, read from its heading (the last part of
    "Parent › Child" counts most, the parent too). The untitled introduction is a definition."""
    if not heading.strip():
        return frozenset({DEFINITION})
    kinds = {kind for kind, pattern in _SECTION_KINDS if pattern.search(heading)}
    if len(kinds) > 1:  # "What are the signs of ...?" offers signs, not a definition
        kinds.discard(DEFINITION)
    if DOCTOR in kinds and not _STRONG_TREATMENT.search(heading):
        kinds.discard(TREATMENT)  # "When to get medical help" is not how to treat it
    return frozenset(kinds)


# Sentences that answer a kind, read from their wording: within one section (a MedlinePlus summary is
# one section), the sentence that says what causes it, how it is found, how to avoid it or when to
# get help answers a question of that kind better than one that only shares its words.
_SENTENCE_CUES: dict[str, re.Pattern[str]] = {
    CAUSE: _rx(
        r"\b(?:caused?|brought on|set off) by\b",
        r"\bcauses? (?:of|include|are|is)\b",
        r"\b(?:main|most common|common|usual|leading) causes?\b",
        r"\b(?:associated|linked) (?:with|to)\b",
        r"\bbecause\b",
        r"\bdue to\b",
        r"\bresults? from\b",
        r"\btrigger",
        r"\brisk factors?\b",
        r"\bmore likely (?:to|if|when)\b",
        r"\b(?:happens?|occurs?) when\b",
    ),
    DIAGNOSIS: _rx(
        r"\bdiagnos",
        r"\btests?\b",
        r"\btesting\b",
        r"\bexamin",
        r"\bexams?\b",
        r"\bx-?rays?\b",
        r"\bscans?\b",
        r"\bbiops",
        r"\bskin prick",
        r"\b(?:doctor|provider|dentist) (?:will|may|can|might) (?:ask|check|look|examine|listen|feel|order)",
    ),
    PREVENTION: _rx(
        r"\bprevent",
        r"\bavoid",
        r"\b(?:reduce|lower) (?:the|your) (?:risk|chance)",
        r"\bvaccin",
        r"\bwash(?:ing)? (?:your )?hands\b",
        r"\bstay (?:at )?home\b",
        r"\bkeep (?:\w+ ){0,3}from (?:getting|spreading|catching)",
        r"\b(?:stop|avoid|reduce|limit) (?:\w+ ){0,2}spread",
    ),
    DOCTOR: _rx(
        r"\b(?:see|call|contact|visit|tell|talk to|ask) (?:a|your|the) (?:doctor|health ?care provider|gp|dentist|pharmacist|nurse)",
        r"\bseek (?:medical|emergency|urgent)",
        r"(?<!not an )\bemergency\b",
        r"\bget (?:medical )?help\b",
        r"\b911\b",
        r"(?<!not )\burgent",
    ),
    DURATION: _rx(
        r"\b(?:\d+|a few|one|two|three|four|five|ten|fifteen|twenty|thirty)(?:\s*(?:to|-|–|or)\s*\d+)?\s*"
        r"(?:seconds?|minutes?|mins?|hours?|days?|weeks?|months?)\b",
    ),
}


def sentence_answers(text: str, kind: str | None) -> bool:
    """Whether a sentence is worded as an answer to a question of this kind ("… is caused by …" for
    a cause question, "… 10 to 15 minutes" for a duration one); kinds without cues never match."""
    pattern = _SENTENCE_CUES.get(kind or "")
    return bool(pattern and pattern.search(text))


_STRONG_TREATMENT = _rx(
    r"\btreat", r"\brelie[fv]", r"\bease\b", r"\bsoothe", r"\bremed", r"\bfirst aid", r"\bself[- ]care"
)


_INSTRUCTIONS = _rx(r"^(?:.* › )?how to\b", r"\bsteps?\b", r"\bstep[- ]by[- ]step\b")
"""A section that says how to do something ("How to wash your hands properly")."""


def answers_kind(heading: str, kind: str | None) -> bool:
    """Whether a section of this heading answers a question of this kind. A duration question
    ("how long should I pinch my nose", "how long do I scrub my hands") is answered by the section
    that says how to do it: a treatment or first-aid section, or an instructions ("How to ...") one."""
    if kind is None:
        return False
    kinds = section_kinds(heading)
    if kind == DURATION:
        return TREATMENT in kinds or bool(_INSTRUCTIONS.search(heading))
    return kind in kinds


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


_PREGNANCY = Qualifier(
    "pregnancy or breastfeeding",
    _rx(
        r"\bpregnan",
        r"\bexpecting\b",
        r"\btrimester",
        r"\bbreast-?feed",
        r"\bnursing\b",
        r"\bbaby bump",
        r"\bwhile (?:i'?m|i am) (?:pregnant|nursing)",
        r"\bmonths? pregnant",
    ),
    _rx(r"\bpregnan", r"\bbreast-?feed", r"\bnursing\b", r"\bexpecting a baby", r"\bmidwife"),
    "The articles found do not mention pregnancy or breastfeeding: ask a pharmacist, midwife or doctor "
    "before taking medicines or following this advice.",
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
        r"\bmy (?:son|daughter|boy|girl)\b",
        r"\bpreschooler",
        r"\bteen(?:ager)?s?\b",
        r"\b(?:[1-9]|1[0-7])[- ](?:year|yr|month|week)s?[- ]old\b",
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
)
_OLDER = Qualifier(
    "older people",
    _rx(
        r"\belderly\b",
        r"\bold(?:er)? (?:age|people|person|adults?|man|woman|lady|gentleman)\b",
        r"\bsenior",
        r"\bgrand(?:ma|pa|mother|father|parents?)\b",
        r"\bpensioner",
        r"\b(?:6[5-9]|[7-9]\d|1[01]\d)[- ](?:year|yr)s?[- ]old\b",
        r"\baged? (?:6[5-9]|[7-9]\d|1[01]\d)\b",
        r"\b(?:in (?:his|her|their|my) )?(?:seventies|eighties|nineties)\b",
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
)
QUALIFIERS: tuple[Qualifier, ...] = (_PREGNANCY, _CHILD, _OLDER)


def unaddressed(question: str, passages: list[str]) -> list[Qualifier]:
    """The qualifiers the question carries that none of the passages mentions."""
    text = "\n".join(passages)
    return [q for q in QUALIFIERS if q.question.search(question) and not q.passage.search(text)]


__all__ = [
    "QUALIFIERS",
    "QTYPE_OF_DATA",
    "Qualifier",
    "answers_kind",
    "question_focus",
    "question_kind",
    "section_kinds",
    "unaddressed",
]
