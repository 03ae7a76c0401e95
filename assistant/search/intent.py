"""What a question asks for and what a section offers (who it is about: answering/safety.py).

Consumer-health questions come in a few kinds (Ben Abacha & Demner-Fushman's question types:
cause, treatment, symptoms, prevention, diagnosis, outlook, information ...), and health
articles are written in sections of the same kinds ("Causes of ...", "How to relieve ...",
"When to see a doctor"). Matching the two lets an answer lead with the section that answers
the question rather than the one that merely shares its words. The patterns describe how
people phrase each kind in general; they are not taken from any question set.
"""

from __future__ import annotations

import re

from ..text import any_of as _rx

CAUSE, TREATMENT, SYMPTOMS, PREVENTION, DIAGNOSIS, DOCTOR, OUTLOOK, DEFINITION, DURATION, CONTAGIOUS = (
    "cause",
    "treatment",
    "symptoms",
    "prevention",
    "diagnosis",
    "doctor",
    "outlook",
    "definition",
    "duration",
    "contagious",
)


# The kinds are the question types of consumer-health questions (Ben Abacha & Demner-Fushman 2019,
# "A question-entailment approach to question answering": cause, treatment, symptoms, prevention,
# diagnosis / exams and tests, outlook, information) plus how long it lasts, whether it is
# contagious and when to see a doctor, which consumer sites (NHS, MedlinePlus, Mayo Clinic) give
# sections of their own. The patterns below are how English frames a question of each kind and
# titles a section of each kind: the kind's name, its common synonyms (WordNet's synsets for cause,
# treatment, symptom, prevention, diagnosis, contagion) and the stock phrasings of health pages
# ("what to do", "self-care", "when to get help"). None is taken from a heading or question of the
# project's own sets: docs/EVAL.md lists how each was checked on articles written after it.

# Question kinds, tried in this order: the first that matches wins ("how do I prevent ..." is
# prevention, not treatment; "when should I see a doctor about the pain" is a doctor question).
_QUESTION_KINDS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        DOCTOR,
        _rx(
            r"\bwhen (?:should|do|must|would|is|does) (?:i|we|you|he|she|they|it)\b.{0,40}\b(?:see|call|go|get|visit|worry|seek)",
            r"\bshould (?:i|we|he|she|they) (?:be )?(?:see|call|go to|visit|get (?:it |this |them )?(?:checked|looked at|seen)|worr)",
            r"\b(?:do|does|would|will) (?:i|we|he|she|they) need (?:to see |to go to |a |an )?(?:doctor|gp|dentist|hospital|a&e|er\b|medical|ambulance)",
            r"\bis (?:it|this|that) (?:serious|dangerous|an emergency|worrying)\b",
            r"\b(?:serious|bad) enough (?:to|for)\b",
            r"\bwhen to (?:see|call|worry|seek)",
            r"\b(?:should|need to|have to|must)\b.{0,40}\b(?:see|call|visit) (?:a |my |the |our )?(?:doctor|gp|dentist|nurse)",
            r"\bneed to (?:go in|be seen|go to (?:the )?(?:hospital|er|a&e|emergency))",
            r"\b(?:call|ring|phone) (?:an |for an )?ambulance|\bcall (?:999|911|112)",
        ),
    ),
    (
        PREVENTION,
        _rx(
            r"\bprevent",
            r"\bavoid (?:getting|catching|being)",
            r"\bstop (?:\w+ ){0,3}(?:from )?(?:coming back|happening again|recurring)",
            r"\bstop (?:getting|having)\b",
            r"\bstop (?:it|this|them|the \w+) (?:from )?spreading",
            r"\bkeep (?:\w+ ){0,5}(?:from (?:getting|coming|catching)|away)\b",
            r"\bso (?:they|it|that they|that it) (?:don'?t|doesn'?t|do not|does not|won'?t) (?:grow|come|happen|get)",
            r"\breduce (?:the |my |your )?(?:risk|chance)",
        ),
    ),
    (
        CONTAGIOUS,
        _rx(
            r"\bcontagious\b",
            r"\binfectious\b",
            r"\bcatching\b",
            # "can I give it to ...", not "can I give my son a decongestant"
            r"\b(?:can|could|will|do|does) (?:i|you|we|he|she|they|it|people|(?:my|our|the) \w+) (?:catch|spread|(?:pass|give) (?:it|this|that|them|these)(?: (?:on|to|around|back)\b|\s*\??$))",
            r"\b(?:catch|caught|pass|spread|give) (?:it|this|them) (?:off|from|to|on|around)\b",
            r"\bhow (?:do|does|did) (?:you|people|i|we|kids|children) (?:catch|pick up)\b",
            r"\b(?:spread|pass) (?:it|this|them) (?:on|to)\b",
            r"\b(?:go|going|back) to (?:work|school|nursery)\b",
            r"\bstay (?:off|home from) (?:work|school|nursery)",
        ),
    ),
    (DURATION, _rx(r"\bhow long\b", r"\bhow many (?:minutes|hours|days|weeks|seconds|months)", r"\bhow soon\b")),
    (
        DIAGNOSIS,
        _rx(
            r"\bhow (?:do|can|would|will) (?:i|you|we|doctors?) (?:know|tell|find out)\b",
            r"\bhow (?:do|can|will|would) (?:doctors?|they|the doctor|a doctor) (?:figure out|find out|tell|test|check)",
            r"\btest(?:ed)? (?:her|him|me|them|us) for\b",
            r"\bdiagnos",
            r"\bwhat tests?\b",
            r"\bdifference between\b",
            r"\bis (?:it|this|that) (?:just|only)\b",
            # "is it X or Y", two things it could be -- not "is that normal or will it ever stop"
            r"\bis (?:it|this|that) (?:a |an )?[\w' -]{2,30} or (?!(?:will|would|should)\b)(?:a |an |the )?[\w' -]{2,30}\??$",
        ),
    ),
    (
        TREATMENT,
        _rx(
            r"\bwhat (?:helps|can help|will help|would help|works|can i (?:do|take|use|put|try|buy|get)|should i (?:do|take|use|put|buy|eat|drink))",
            r"\bhow (?:do|can|should|could) (?:i|you|we|he|she|they) (?:stop|treat|cure|relieve|ease|soothe|get rid|heal|fix|calm|make|deal|handle|manage|help|get (?:[\w'-]+ ){1,4}(?:out|off)\b|get (?:it|them|this) to|use|remove|clean)",
            r"\bis it (?:ok|okay|safe|fine|alright|all right|bad) (?:for (?:me|him|her|them|us|you|(?:my|a|an|the|pregnant) (?:[\w'-]+ ){0,2}[\w'-]+) )?(?:just )?to\b",
            # ("does the strap actually help", not "can I still work with a cold": a person is not the subject)
            r"\b(?:do|does|did|will|would|can|could) (?!(?:i|you|he|she|we|they)\b)(?:[\w'-]+ ){1,4}(?:actually |really |even )?(?:help|work)(?:\??$| (?:with|for|at all|much|or)\b)",
            r"\bhow to (?:stop|treat|cure|relieve|ease|soothe|get rid|heal|fix|calm|deal|manage|use|remove|get)",
            r"\b(?:get rid of|remed(?:y|ies)|treatments?|cure|relief|home care|first aid|tricks?|tips)\b",
            r"\bwhat (?:do|can|should|could) (?:i|we|you|he|she|they) (?:do|take|use|put|give|try|buy)",
            r"\bwhat (?:now|next)\b",
            r"\bwhat (?:calms|soothes|eases|relieves|stops|cures|treats|gets rid|settles|takes away)\b",
            r"\banything (?:i|we|you) can (?:do|take|use|try)",
            r"\banything (?:that )?(?:helps?|works?)",
            r"\bbest (?:way|thing) to\b",
            r"\bis there (?:a|any) (?:\w+ )?(?:trick|way|thing|remedy|exercise|cure|medicine)",
            r"\b(?:can|should) (?:i|we|you|he|she) (?:take|use|put|give|pop|try)\b",
            r"\bshould (?:i|we) (?:be )?\w+ing\b",
            r"\bquickest way|fastest way\b",
            r"\bany way to\b",
            r"\bcan (?:that|it|this|they) be (?:fixed|treated|cured|helped|removed)",
            r"\bdo (?:i|we|you|they|the rest of us) need (?:antibiotics|medicine|medication|treating|treatment|an? (?:cream|inhaler|antibiotic))",
            r"\bor is \w+ better\b",
            r"\bwhat (?:do|will) (?:they|doctors?|a \w+) do\b",
        ),
    ),
    # "how bad is this burn": how serious, after treatment ("how bad is a hangover and how do I treat it")
    (DOCTOR, _rx(r"\bhow (?:bad|serious) (?:is|of|a)\b(?! it to\b)")),
    (
        CAUSE,
        _rx(
            r"^\s*why\b",
            r"[,;.!?]\s*why\b",
            r"\bwhy (?:do|does|did|am|is|are|would|have|has|can't|won't|do i keep)\b",
            r"\bwhat (?:\w+ )?(?:causes|caused|is causing|could cause|can cause|makes|triggers|brings on|sets off)",
            r"\bwhat'?s (?:behind|causing)",
            r"\b(?:cause|causes|reason|reasons|trigger|triggers) (?:of|for|why|my)\b",
            r"\breason\b",
            r"\bwhat could be (?:behind|causing|the cause)",
            r"\bbehind (?:it|this|that)\b",
        ),
    ),
    (
        SYMPTOMS,
        _rx(
            r"\b(?:signs?|symptoms?)\b",
            r"\bwhat does (?:\w+ ){1,4}(?:feel|look) like",
            r"\bcould (?:it|this|that|these|they) (?:just |really )?be\b",
            r"\bam i\b",
            r"\bis (?:it|this|that) infected\b",
        ),
    ),
    (
        OUTLOOK,
        _rx(
            r"\boutlook\b",
            r"\bprognosis\b",
            r"\bwill (?:it|this|they|i) (?:ever )?(?:go away|get better|heal|recover|stop(?! (?:the|my|me|him|her|it|them|this|that|a|an|your)\b)|clear up)",
            r"\bis (?:it|this|that) normal\b",
            r"\b(?:is|are) (?:they|\w+) (?:dangerous|serious|harmful)\b",
            r"\bcould it harm\b",
        ),
    ),
    (
        DEFINITION,
        _rx(
            r"^\s*what (?:is|are) (?!the\b)",
            r"\bwhat is (?:this|it|that|going on)",
            r"\bwhat'?s (?:going on|this|that|wrong)",
            r"\bwhat (?:could|might) (?:it|this) be",
            r"\bwhat (?:are|is) (?:they|it|this|these)\b",
        ),
    ),
)

# Section kinds from headings; a section may offer more than one.
_SECTION_KINDS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        DOCTOR,
        _rx(
            r"\bdoctor",
            r"\bgp\b",
            r"\bmedical (?:help|attention|care|advice)",
            r"\bget(?:ting)? (?:urgent )?help\b",
            r"\bemergenc",
            r"\burgent",
            r"\bwarning signs?\b",
            r"\bred flags?\b",
            r"\bwhen (?:\w+ ){0,3}needs? (?:a|medical|checking|help|attention)",
            r"\bseek",
            r"\bworr(?:y|ied)\b",
            r"\bprofessional\b",
            r"\bdentist|optician|podiatrist|specialist\b",
            r"\b(?:looked at|checked|seen)\b",
            r"\bsee (?:a|your|someone)\b",
            r"\bhow (?:serious|bad)\b",
        ),
    ),
    (
        CONTAGIOUS,
        _rx(
            r"\bcontagious",
            r"\binfectious",
            r"\bcatching\b",
            r"\bspread",
            r"\bpass(?:ing)? (?:it |them )?on\b",
            r"\btransmi",
            r"\b(?:school|nursery|work)\b",
        ),
    ),
    (
        PREVENTION,
        _rx(
            r"\bprevent",
            r"\bavoid",
            r"\bcoming back\b",
            r"\bkeep(?:ing)? (?:[\w'-]+ ){0,3}(?:away|at bay)\b",
            r"\bstop(?:ping)? (?:it |them )?(?:coming|spreading|recurring)",
            r"\breduc",
            r"\blower(?:ing)? (?:the |your )?risk",
            r"\bprotect",
            r"\bfewer\b",
            r"\bhabits?\b",
            r"\bhygiene\b",
        ),
    ),
    (
        TREATMENT,
        _rx(
            r"\btreat",
            r"\btherap",
            r"\brelie[fv]",
            r"\beas(?:e|es|ing)\b",
            r"\bsooth",
            r"\bremed",
            r"\bself[- ]?(?:care|help)",
            r"\bfirst aid",
            r"\bwhat to do\b",
            r"\bwhat (?:\w+ ){0,4}can do\b",
            r"\bthings (?:you|to) (?:can )?(?:do|try)\b",
            r"\bhelp(?:s|ing)?\b",
            r"\bmanag",
            r"\bmedicines?\b",
            r"\bmedications?\b",
            r"\bantibiotics?\b",  # "Do I need antibiotics?": a medicine, named by its class
            r"\bcure",
            r"\bcar(?:e|ing)\b",
            r"\baftercare\b",
            r"\bget(?:ting)? rid",
            r"\bget(?:ting)? (?:it|them) out\b",
            r"\bremov",
            r"\blook(?:ing)? after\b",
            r"\bcop(?:e|ing)\b",
            r"\bcalm",
            r"\bheal",
            r"\btips\b",
            r"\bstop\b",
            r"\bstraight away\b|\bright away\b",
            r"\bgetting through\b",
            r"\bpharmac|\bchemist\b",
            r"\boptions\b",
        ),
    ),
    (
        CAUSE,
        _rx(
            r"\bcaus",
            r"\bwhy\b",
            r"\btrigger",
            r"\bwhat makes",
            r"\brisks?\b",
            r"\breasons?\b",
            r"\bculprits?\b",
            r"\bcomes? from\b",  # "Where it comes from": its origin
            r"\bsets? (?:it |them )?off\b",
            r"\bbrings? (?:it |them )?on\b",
            r"\bwho (?:gets|is at|is more|needs extra)",
            r"\bmore likely\b",
            # MedQuAD's "genetic changes" and "inheritance" question types: what causes a genetic condition
            r"\bgenetic changes",
            r"\binherit",
        ),
    ),
    (
        SYMPTOMS,
        _rx(
            r"\bsymptom",
            r"\bsigns?\b",
            r"\bfeels? like",
            r"\blooks? (?:and feels )?like",
            r"\bspott",
            r"\brecogni[sz]",
            r"\bshow up",
            r"\bhow (?:it|they) (?:looks?|feels?)",
            r"\bcould it be\b",
        ),
    ),
    (
        DIAGNOSIS,
        _rx(
            r"\bdiagnos",
            r"\btests?\b",
            r"\bexams?\b",
            r"\bexamin",
            r"\bor (?:a |an |the )?[\w' -]{2,30}\?$",
            r"\bvs\.?\b|\bversus\b",
            r"\bdifference\b",
            r"\bcomparison\b",
            r"\btell(?:ing)? (?:\w+ )?apart\b",
            r"\bhow serious\b",
        ),
    ),
    (DURATION, _rx(r"\bhow long\b", r"\blasts?\b", r"\brecovery\b", r"\bduration\b")),
    (OUTLOOK, _rx(r"\boutlook\b", r"\bprognosis", r"\bcomplications?\b", r"\bwhat to expect\b")),
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


def section_kinds(heading: str, text: str = "") -> frozenset[str]:
    """The kinds of answer a section offers, read from its heading (the last part of
    "Parent › Child" counts most, the parent too) and, when the heading names no kind ("If it won't
    budge", "Common culprits" on a page that says "caused by"), from how its sentences are worded
    (`content_kinds`). The untitled introduction is a definition."""
    if not heading.strip():
        return frozenset({DEFINITION})
    kinds = {kind for kind, pattern in _SECTION_KINDS if pattern.search(heading)}
    if len(kinds) > 1:  # "What are the signs of ...?" offers signs, not a definition
        kinds.discard(DEFINITION)
    if DOCTOR in kinds and not _STRONG_TREATMENT.search(heading):
        kinds.discard(TREATMENT)  # "When to get medical help" is not how to treat it
    if not kinds and text:
        kinds = set(content_kinds(text))
    return frozenset(kinds)


_NOT_A_VERB = (
    r"^(?!(?:a|an|the|this|that|these|those|it|its|they|their|you|your|he|she|we|our|some|any|most|many|if|when|in|on|at|for|with)\b)"
    r"(?![a-z]{3,}ing\b)"
)
_OBJECTS = r"the|your|a|an|it|them|any|some|this|their|his|her"
_PARTICLES = r"up|down|out|off|away"
_AMOUNTS = r"plenty|enough|regular"
_IMPERATIVE = re.compile(
    _NOT_A_VERB + rf"[A-Za-z]+(?: [a-z]+)? (?:{_OBJECTS}|{_PARTICLES}|{_AMOUNTS})\b", re.IGNORECASE
)
"""A sentence or list item that opens as an instruction: a verb, then its object or particle ("Soak the
foot", "Cool it down", "Clean your tools") -- how instructions are written in English. Not a gerund
("Cutting nails the wrong way", "Stubbing your toe": what happens) nor a noun and its clause ("Skin that
stays damp")."""
_PLAIN_IMPERATIVE = re.compile(
    _NOT_A_VERB + rf"[A-Za-z]+(?: [a-z]+)? (?:{_OBJECTS}|{_AMOUNTS})\b|^[A-Za-z]+(?: it| them)? (?:{_PARTICLES})\b",
    re.IGNORECASE,
)
"""An instruction beyond doubt: a particle only straight after the verb or "it"/"them" ("Sit down", "Cool it
down"); "Symptoms clear up within a week" says how long, though `_IMPERATIVE` reads an instruction in it too."""
_LABELLED = re.compile(r"^[^:]{3,60}:\s+(?=[A-Z])")
"""The label of a point written "Label: explanation" ("Soften: Hold a warm flannel against your lips"):
the explanation may carry the instruction when the label is a noun or a phrase. An explanation in lower
case continues the label ("Blisters: fluid under the skin"): no sentence of its own."""
MIN_CONTENT_SHARE = 0.34
"""The share of a section's points that must be worded as a kind for the section to offer it."""


def content_kinds(text: str) -> frozenset[str]:
    """The kinds a section's points are worded as: the kind most of them answer (`sentence_answers`, or an
    instruction for treatment), if at least MIN_CONTENT_SHARE of them do. A point is a sentence of a paragraph, or
    a list item, read by its opening sentence, which says what the item is ("Cool the lump: Hold an ice pack
    ..."): the sentences after it explain it ("You can repeat this every two to four hours."), and counted too
    they outnumber the items they explain."""
    from ..text import LIST_MARKER, sentence_spans

    units: list[tuple[str, str]] = []  # (sentence, the lead-in of the list it is an item of)
    intro = ""
    for line in text.split("\n"):
        if not line.strip():
            continue
        item = LIST_MARKER.match(line)
        body = LIST_MARKER.sub("", line, count=1).strip()
        spans = sentence_spans(body)
        if not item:  # the sentence that introduces the list: the paragraph's last, when it ends in ":"
            intro = body[spans[-1][0] : spans[-1][1]] if spans and body.endswith(":") else ""
        units.extend((body[a:b], intro if item else "") for a, b in (spans[:1] if item else spans))
    units = [(u, i) for u, i in units if len(u.split()) >= 3]
    if not units:
        return frozenset()
    explained = [(u, _LABELLED.sub("", u)) for u, _ in units]  # a point, and its explanation after any label
    told = [bool(_IMPERATIVE.match(u) or _IMPERATIVE.match(e)) for u, e in explained]
    plainly = [bool(_PLAIN_IMPERATIVE.match(u) or _PLAIN_IMPERATIVE.match(e)) for u, e in explained]
    shares = {
        # a time in an instruction ("Hold a cold pack on it for 10 minutes") says how to do it, not how long it lasts
        kind: sum(bool(p.search(u) or (i and p.search(i))) and not (kind == DURATION and t) for (u, i), t in zip(units, plainly, strict=True))
        / len(units)
        for kind, p in _SENTENCE_CUES.items()
    }
    shares[TREATMENT] = sum(told) / len(units)
    best = max(shares.values())
    if best < MIN_CONTENT_SHARE:
        return frozenset()
    return frozenset(k for k, v in shares.items() if v == best)


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
        r"\b(?:see|call|ring|phone|contact|visit|tell|talk to|speak to|ask|book|get) (?:a |an |your |the )?(?:urgent )?"
        r"(?:doctor|health ?care provider|gp|dentist|pharmacist|nurse|surgery|practice|clinic|helpline|ambulance"
        r"|out-of-hours|urgent care|a&e|emergency|999|911|111|112)",
        r"\bseek (?:medical|emergency|urgent)",
        r"(?<!not an )\bemergency\b",
        r"\bget (?:medical )?help\b",
        r"\b911\b",
        r"(?<!not )\burgent",
    ),
    DURATION: _rx(
        r"\b(?:\d+|a few|a couple of|one|two|three|four|five|six|seven|eight|nine|ten|fifteen|twenty|thirty)"
        r"(?:\s*(?:to|-|–|or)\s*(?:\d+|two|three|four|five|six|seven|eight|ten))?\s*"
        r"(?:seconds?|minutes?|mins?|hours?|days?|weeks?|months?)\b",
        # "within a day", "for an hour", "after a week" -- not a frequency ("once a day", "three times a week")
        r"\b(?:within|for|in|after|about|over|under|up to|less than|more than|at least) (?:a|an) (?:hour|day|week|month|year)\b",
    ),
    CONTAGIOUS: _rx(
        r"\bcontagious",
        r"\binfectious",
        r"\bspread(?:s|ing)?\b",
        r"\bcatch(?:es|ing)?\b",
        r"\bpass(?:ed|es|ing)? (?:\w+ )?on\b",
        r"\btransmit",
        r"\bclose contact\b",
    ),
    SYMPTOMS: _rx(
        r"\b(?:symptoms?|signs?) (?:include|are|of|can)\b",
        r"\byou (?:may|might|will|can|could) (?:notice|feel|see|get|have)\b",
        r"\b(?:looks?|feels?) like\b",
        r"\btypical(?:ly)?\b",
    ),
}


def sentence_answers(text: str, kind: str | None) -> bool:
    """Whether a sentence is worded as an answer to a question of this kind ("… is caused by …" for
    a cause question, "… 10 to 15 minutes" for a duration one); kinds without cues never match."""
    pattern = _SENTENCE_CUES.get(kind or "")
    return bool(pattern and pattern.search(text))


_STRONG_TREATMENT = _rx(
    r"\btreat", r"\brelie[fv]", r"\bease\b", r"\bsoothe", r"\bremed", r"\bfirst aid", r"\bself[- ]care", r"\bcan do\b"
)


_INSTRUCTIONS = _rx(r"^(?:.* › )?how to\b", r"\bsteps?\b", r"\bstep[- ]by[- ]step\b")
"""A section that says how to do something ("How to wash your hands properly")."""


def answers_kind(heading: str, kind: str | None, text: str = "") -> bool:
    """Whether a section of this heading (and text) answers a question of this kind. A duration
    question ("how long should I pinch my nose", "how long do I scrub my hands") is answered by a
    section about how long it lasts, else by the one that says how to do it: a treatment or
    first-aid section, or an instructions ("How to ...") one. Whether it is contagious is answered by
    a section on how it spreads, else by one on preventing it; how to tell what it is, by its tests,
    else its signs; what to expect, by its outlook, else how long it lasts or what is normal."""
    if kind is None:
        return False
    kinds = section_kinds(heading, text)
    if kind == DURATION:
        return DURATION in kinds or TREATMENT in kinds or bool(_INSTRUCTIONS.search(heading))
    if kind == CONTAGIOUS:
        return CONTAGIOUS in kinds or PREVENTION in kinds
    if kind == DIAGNOSIS:  # how to tell what it is: the tests, else the signs
        return DIAGNOSIS in kinds or SYMPTOMS in kinds
    if kind == OUTLOOK:  # what to expect: the outlook, else how long it lasts or how to tell normal from not
        return bool(kinds & {OUTLOOK, DURATION, DIAGNOSIS})
    return kind in kinds


__all__ = [
    "answers_kind",
    "content_kinds",
    "question_focus",
    "question_kind",
    "section_kinds",
]
