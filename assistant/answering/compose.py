"""The article's own answer, in its order: when the section that answers the question's kind leads,
the answer is that section — a numbered procedure with every step, numbered; a list with the sentence
that introduces it; a short section whole — condensed to each point's label or first sentence when it
does not fit the word budget, and cut only at its end (with how many points the article gives more).
Before it come the lines a reader must see first: for a question about a group of people (pregnancy,
a child, an older person) the article's line for that group, or a note that the articles found do not
address it; for a "how long" question the sentence that gives the time. After it, while the budget has
room, the article's other sections that come closest to the question, each under its heading and quoted the
same way (a question in a person's own words is often answered across sections); last, for self-care
questions, the article's when-to-see-a-doctor line.

Questions whose answer spans sections, and passages with no structure (a long paragraph), are answered
sentence by sentence (`ExtractiveAnswerer`), with the same lines first and last.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace

import numpy as np

from ..embedding.base import embed_on_query_path
from ..embedding.embedder import Embedder
from ..search.intent import DOCTOR, DURATION, answers_kind, section_kinds, sentence_answers
from ..text import LIST_MARKER, SECTION_SEP, sentence_spans
from ..types import Answer, Chunk, Hit
from .boilerplate import CorpusStats
from .draft import Draft, Line, Part, passage_key, render, words
from .extractive import CONNECTIVE, PRONOUN_OPENING, SAFETY_NET_KINDS, ExtractiveAnswerer, not_covered
from .safety import QUALIFIERS, Qualifier
from .subjects import names_one, subjects_in
from .units import Unit, is_lead_in, says_something, split_units

_LABEL = re.compile(r"^(?P<label>[^:]{3,80}?):\s+\S")
"""A list item written "Label: explanation" ("Pinch the soft part of the nose: Use your thumb ...")."""
MAX_LABEL_WORDS = 12
_LEANS_BACK = re.compile(
    r"^(?:(?:this|these|those|they|their|them|he|she|his|her|if so|if not|other|another|such|also|or|and|but)\b|so,)",
    re.I,
)
"""A sentence that leans on what comes before it ("This exercise ...", "They include:", "If so, ...", "Or you
may ..."): a quoted section that opens so is headed by its heading, and it is not chosen as a group's line.
("It is fine to sleep ..." stands on its own: "it" is left out.)"""
MORE_MIN_WORDS = 30
"""Words the answer must still have free of `Settings.answer_words` (the doctor line counted too) to add the
article's other sections at all: below it a section would be cut to a line or two."""
MORE_GAP = 0.1
"""How much further from the question (cosine) than the closest section quoted another section may be and
still be added: the same margin routing gives a section of the question's kind (routing.UNREAD_HANDICAP)."""
MORE_SECTION_WORDS = 15
"""Words each added section needs, after its heading: with fewer left, no more sections are added."""


def more_points_note(more: int) -> str:
    """The line that says a quoted section was cut, and by how many of its points."""
    return f"*The article gives {more} more point{'s' if more != 1 else ''} in this section.*"


def _leans_back(text: str) -> bool:
    """A sentence that cannot open a part: it leans on the one before ("Or scrape ...", "This helps ...")."""
    return bool(CONNECTIVE.match(text) or PRONOUN_OPENING.match(text) or _LEANS_BACK.match(text))


@dataclass(frozen=True)
class SectionPassage:
    """One section of an article, its chunks merged (overlaps removed) into one passage to quote."""

    hit: Hit
    """A passage of the whole section: the first chunk's identity, the section's whole text."""
    chunks: tuple[Chunk, ...]

    @property
    def heading(self) -> str:
        return self.hit.section


def article_sections(chunks: Iterable[Chunk], cosines: dict[str, float] | None = None) -> list[SectionPassage]:
    """The sections of an article (its chunks in order, grouped by heading), each one passage whose
    cosine similarity to the question is its best chunk's (`cosines`, by chunk id), when known."""
    cosines = cosines or {}
    from ..ingest.fulltext import merge_overlap

    groups: list[list[Chunk]] = []
    for c in sorted(chunks, key=lambda c: c.position):
        if groups and groups[-1][0].section == c.section:
            groups[-1].append(c)
        else:
            groups.append([c])
    out = []
    for group in groups:
        text = group[0].text
        for c in group[1:]:
            text = merge_overlap(text, c.text)
        first, last = group[0], group[-1]
        known = [cosines[c.id] for c in group if c.id in cosines]
        dense = max(known) if known else None
        hit = Hit(
            source=first.source,
            title=first.title,
            section=first.section,
            text=text,
            url=first.url,
            score=dense or 0.0,
            root=first.root,
            position=first.position,
            chunk_id=first.id,
            page=first.page,
            page_end=last.page_end if last.page_end is not None else last.page,
            dense_score=dense,
        )
        out.append(SectionPassage(hit, tuple(group)))
    return out


# --- a section as its points ------------------------------------------------------------------


@dataclass
class Point:
    """A point of a section, in document order: a paragraph's sentences, or a list item (with the
    sentence that introduces its list, if any)."""

    units: list[Unit]
    marker: str = ""
    """The list marker as written ("1.", "-") for a list item; "" for prose."""
    lead_in: bool = False
    """A sentence ending in ":" that introduces the list items after it."""

    @property
    def is_item(self) -> bool:
        return bool(self.marker)


def section_points(passage: Hit, stats: CorpusStats | None = None) -> list[Point]:
    """The points of a section passage, in order (boilerplate, references and cut sentences left out)."""
    units = [u for u in split_units(passage.text, short_items=True) if says_something(u, passage.section, stats)]
    points: list[Point] = []
    for u in units:
        if u.is_item:
            line_start = passage.text.rfind("\n", 0, u.start) + 1
            m = LIST_MARKER.match(passage.text[line_start : u.start + 1])
            raw = m.group(0).strip() if m else "-"
            points.append(Point([u], "-" if raw in "*•+" else raw))
        else:
            lead_in = is_lead_in(u.text)
            same_paragraph = (
                points
                and not points[-1].is_item
                and not points[-1].lead_in
                and "\n" not in passage.text[points[-1].units[-1].end : u.start]
            )
            if same_paragraph and not lead_in:
                points[-1].units.append(u)
            else:
                points.append(Point([u], lead_in=lead_in))
    # a lead-in with no item after it introduces nothing that is kept
    return [p for i, p in enumerate(points) if not p.lead_in or (i + 1 < len(points) and points[i + 1].is_item)]


def condensed(point: Point, short: bool = False) -> Unit:
    """A point in fewer words: its first sentence (an item "Label: explanation" keeps its label and the
    explanation's first sentence), or with `short` an item's label alone ("Pinch the soft part of the
    nose"). A lead-in stays whole. Always a verbatim piece of the passage."""
    u = point.units[0]
    if point.lead_in:
        return u
    m = _LABEL.match(u.text)
    if short and point.is_item and m and words(m["label"]) <= MAX_LABEL_WORDS:
        label = m["label"].rstrip()
        return Unit(u.passage, u.start, u.start + len(label), label, u.is_item)
    spans = sentence_spans(u.text)
    if len(spans) > 1:
        a, b = spans[0]
        return Unit(u.passage, u.start + a, u.start + b, u.text[a:b], u.is_item)
    return u


def quote_section(passage: Hit, points: list[Point], budget: int) -> tuple[list[Line], int]:
    """The section's lines within `budget` words: whole if it fits; else every point at its shortest
    (an item's label, a paragraph's first sentence), then, point by point in the article's order, as
    much more of each as still fits (its first sentence, then all of it); and if even the shortest form
    does not fit, the first points that do (a lead-in only with an item after it). Returns the lines
    and how many points were left out at the end."""

    def as_lines(p: Point, units: list[Unit]) -> list[Line]:
        return [Line(u.text, passage, u, p.marker if p.is_item else "") for u in units]

    def lines_of(p: Point, level: int) -> list[Line]:
        return as_lines(p, p.units if level == 2 else [condensed(p, short=level == 0)])

    def cost(p: Point, level: int) -> int:
        return sum(words(ln.text) for ln in lines_of(p, level))

    if sum(cost(p, 2) for p in points) <= budget:
        return [ln for p in points for ln in lines_of(p, 2)], 0
    levels = [0] * len(points)
    used = sum(cost(p, 0) for p in points)
    if used > budget:
        lines: list[Line] = []
        used = 0
        for i, p in enumerate(points):
            need = cost(p, 0) + (cost(points[i + 1], 0) if p.lead_in and i + 1 < len(points) else 0)
            if lines and used + need > budget:  # never a lead-in without its first item
                return lines, sum(1 for q in points[i:] if not q.lead_in)
            lines.extend(lines_of(p, 0))
            used += cost(p, 0)
        return lines, 0
    for level in (1, 2):
        for i, p in enumerate(points):
            extra = cost(p, level) - cost(p, levels[i])
            if used + extra <= budget:
                levels[i], used = level, used + extra
    chosen = [lines_of(p, level) for p, level in zip(points, levels, strict=True)]
    # what is left of the budget goes, in the article's order, to the points still condensed: as many more
    # of their sentences as fit ("Some things are best avoided." alone announces what it leaves out)
    for i, p in enumerate(points):
        if levels[i] == 2 or p.lead_in:
            continue
        now = cost(p, levels[i])
        for longer in reversed(_sentence_prefixes(p)):
            extra = sum(words(u.text) for u in longer) - now
            if 0 < extra and used + extra <= budget:
                chosen[i] = as_lines(p, longer)
                used += extra
                break
    return [ln for lines in chosen for ln in lines], 0


def _sentence_prefixes(point: Point) -> list[list[Unit]]:
    """A point's first sentences, one more each time, short of the whole point (verbatim pieces)."""
    if not point.is_item:
        return [point.units[:k] for k in range(1, len(point.units))]
    u = point.units[0]
    spans = sentence_spans(u.text)
    return [[Unit(u.passage, u.start, u.start + b, u.text[:b], u.is_item)] for _, b in spans[:-1]]


def has_structure(points: list[Point]) -> bool:
    return any(p.is_item for p in points)


# --- the lines that come first ----------------------------------------------------------------


def named_groups(question: str) -> list[Qualifier]:
    """The groups of people the question is about (pregnancy, children, older people)."""
    return [q for q in QUALIFIERS if q.question.search(question)]


def lead_in(units: list[Unit], item: Unit) -> Unit | None:
    """The sentence that introduces the list an item belongs to ("Get medical advice if:"), when only
    list items stand between them."""
    before = [u for u in units if u.start < item.start]
    for u in reversed(before):
        if not u.is_item:
            return u if is_lead_in(u.text) else None
    return None


def _without_lone_lead_ins(lines: list[Line]) -> list[Line]:
    """The lines without a list's lead-in ("See a GP if:") whose items were all left out."""
    return [
        ln
        for i, ln in enumerate(lines)
        if not (ln.unit is not None and is_lead_in(ln.text))
        or (i + 1 < len(lines) and bool(lines[i + 1].marker))
    ]


def _written_for(group: Qualifier, question: str, title: str, sections: list[SectionPassage]) -> bool:
    """Whether an article is written for the group: its title names them ("Teething: helping your baby ...",
    "Chronic diarrhoea in children"), and no section heading names them as the question does where the title
    does not ("Paracetamol for children" › "Babies", asked about a baby: the babies' line still leads)."""

    def names(text: str) -> set[str]:
        return {re.sub(r"ies$", "y", m.group(0).lower()).rstrip("s") for m in group.passage.finditer(text)}

    in_title, asked = names(title), names(question)
    return bool(in_title) and not any((names(s.heading) & asked) - in_title for s in sections)


def _continues(draft: Draft, hit: Hit, lines: list[Line]) -> bool:
    """Whether `lines` open with the lead-in that the answer's last lead part quotes with one of its items
    (a group's line: "Anyone can overheat, but the risk is higher for: - people over 65"), so that their
    items continue that list rather than repeat its lead-in."""
    if not draft.lead or len(lines) < 2 or lines[0].unit is None or not is_lead_in(lines[0].text):
        return False
    before = draft.lead[-1].lines
    return (
        bool(lines[1].marker)
        and bool(before[-1].marker)
        and any(
            ln.unit is not None and ln.hit is not None and passage_key(ln.hit) == passage_key(hit) and ln.text == lines[0].text
            for ln in before
        )
    )


class Composer:
    """Puts an answer together from the routed passages of one question (see the module doc)."""

    def __init__(self, embedder: Embedder, sentences: ExtractiveAnswerer, budget: int = 150):
        self.embedder = embedder
        self.sentences = sentences
        """Sentence-by-sentence answers, where the answer is not one section."""
        self.budget = budget
        """Words before the when-to-see-a-doctor lines (Settings.answer_words)."""

    def answer(
        self,
        question: str,
        passages: list[Hit],
        article: list[Chunk],
        qv: np.ndarray,
        *,
        kind: str | None = None,
        stats: CorpusStats | None = None,
        groups_in: str = "",
        cosines: dict[str, float] | None = None,
    ) -> Answer:
        """The answer to `question` from `passages` (routed: the section that answers its kind first)
        and the whole `article` they lead with. `groups_in`: more text that may name a group of people
        (the question as typed, before a follow-up was folded); `cosines`: the article's chunks' cosine
        similarity to the question, shown as each cited section's relevance."""
        sections = article_sections(article, cosines)
        lead = self._lead_section(passages, sections)
        draft = Draft()
        medicine = next((s.text for s in subjects_in(question) if s.kind == "medicine" and names_one(s)), None)
        asked = f"{question}\n{groups_in}"
        for group in named_groups(asked):
            if lead is not None and _written_for(group, asked, lead.hit.title, sections):
                continue  # the article is written for the group ("Teething: helping your baby ..."): all of it is theirs
            found = self.group_lines(group, qv, sections, lead, stats)
            if found is None:
                draft.lead.append(Part([Line(group.note_for(medicine))]))
                draft.qualifier_notes.append(group.note_for(medicine))
            elif found and not draft.cites(found[0][0], found[-1][1]):
                lines = [Line(u.text, hit, u, "-" if u.is_item else "") for hit, u in found]
                draft.lead.append(Part(lines, label=group.heading))
        if kind == DURATION:
            found = self.time_line(qv, sections, lead, stats)
            if found is not None and not draft.cites(*found):
                hit, unit = found  # "They usually clear up within three weeks" is headed by what "they" are
                label = hit.title if PRONOUN_OPENING.match(unit.text) else ""
                draft.lead.append(Part([Line(unit.text, hit, unit)], label=label))
        budget = max(self.budget - draft.words(), self.budget // 3)
        if lead is not None:
            draft.body = self._quote(lead, sections, draft, budget, stats)
        quoted = bool(draft.body)  # the answering section itself, not sentences picked from the passages
        if not draft.body and not draft.quoted:
            draft.body = self._trim(self.sentences.parts(question, passages, qv, kind=kind, stats=stats), draft, budget)
        if not draft.body and not draft.lead:
            return not_covered(question, passages)
        if kind in SAFETY_NET_KINDS:
            draft.closing = self._doctor(sections, draft, stats)
        if lead is not None and quoted:  # the article's closest other sections, while the budget has room
            draft.body += self._more(sections, draft, stats)
        hits = [lead.hit, *passages] if lead is not None else passages
        return render(question, draft, hits)

    @staticmethod
    def _lead_section(passages: list[Hit], sections: list[SectionPassage]) -> SectionPassage | None:
        """The section of the article that the first passage belongs to."""
        if not passages:
            return None
        first = passages[0]
        return next(
            (s for s in sections if (s.hit.root, s.hit.source, s.heading) == (first.root, first.source, first.section)),
            None,
        )

    def _quote(
        self, lead: SectionPassage, sections: list[SectionPassage], draft: Draft, budget: int, stats: CorpusStats | None
    ) -> list[Part]:
        """The answering section as the body, when it is a list or short enough to quote whole. A
        sub-section ("How to ease back pain › Keep moving") comes with its sister sub-sections, each
        under its own heading, sharing the budget: the article's answer is all of them."""
        parent = lead.heading.rpartition(SECTION_SEP)[0]
        family = [s for s in sections if parent and s.heading.startswith(parent + SECTION_SEP)] or [lead]
        parts: list[Part] = []
        left = budget
        for i, section in enumerate(family):
            share = left // (len(family) - i)
            points = section_points(section.hit, stats)
            if not points:
                continue
            name = section.heading.rpartition(SECTION_SEP)[2]
            if len(family) > 1:  # sister sections, each under its heading
                label = name
            else:  # a list with no sentence before it, or a first sentence that leans on the heading ("This
                # exercise ..."), under its heading: the reader sees what the items are, what "this" is
                opens_on = points[0].is_item or bool(_LEANS_BACK.match(points[0].units[0].text))
                label = f"{name}:" if name and opens_on else ""
            share -= words(label)  # the heading is read too
            whole = sum(words(u.text) for p in points for u in p.units)
            if not has_structure(points) and whole > share:
                if section is lead and len(family) == 1:
                    return []  # a long paragraph: its best sentences answer better than its first ones
                points = points[:1]
            lines, more = quote_section(section.hit, points, share)
            # what the lines before already said (the group's line, the time) is not said again; a numbered
            # list stays whole, and a list keeps the sentence that introduces it (while it has items left)
            lines = _without_lone_lead_ins(
                [
                    ln
                    for ln in lines
                    if ln.unit is None
                    or ln.marker[:1].isdigit()
                    or is_lead_in(ln.text)
                    or not draft.cites(section.hit, ln.unit)
                ]
            )
            if not lines:
                continue
            if _continues(draft, section.hit, lines):  # the group's item led with its list's lead-in: the
                # rest of that list follows it, under the same lead-in, not under a second copy of it
                end = next((i for i, ln in enumerate(lines[1:], 1) if not ln.marker), len(lines))
                draft.lead[-1].lines.extend(lines[1:end])
                draft.quoted = True
                left -= sum(words(ln.text) for ln in lines[1:end])
                lines, label = lines[end:], ""
            if not lines and not more:
                continue
            if lines and label.endswith(":") and lines[0].unit is not points[0].units[0] and not lines[0].marker:
                label = ""  # what needed the heading was said before
            if lines:
                parts.append(Part(lines, label=label))
            if more:
                parts.append(Part([Line(more_points_note(more))]))
            left -= sum(words(ln.text) for ln in lines) + words(label)
        return parts

    def _more(self, sections: list[SectionPassage], draft: Draft, stats: CorpusStats | None) -> list[Part]:
        """The article's other sections that come closest to the question, each under its heading and quoted
        as the answering section is (whole, else condensed point by point, else its first points with how many
        more it gives), while the answer leaves at least MORE_MIN_WORDS of its budget before the doctor line.
        A question in a person's own words is often answered across sections ("is licking your lips bad for
        them": the habit section says to stop, the causes section says why), and a short answering section
        would otherwise leave those points out. Only sections within MORE_GAP of the closest section quoted."""
        closing = draft.closing.lines if draft.closing is not None else []
        left = self.budget - draft.words() - sum(words(ln.text) for ln in closing)
        quoted = [ln.hit for part in draft.lead + draft.body for ln in part.lines if ln.hit is not None]
        quoted += [ln.hit for ln in closing if ln.hit is not None]
        used = {passage_key(h) for h in quoted}
        floor = max((h.dense_score or 0.0 for h in quoted), default=0.0) - MORE_GAP
        others = sorted(
            (s for s in sections if passage_key(s.hit) not in used and (s.hit.dense_score or -1.0) >= floor),
            key=lambda s: -(s.hit.dense_score or 0.0),
        )
        out: list[Part] = []
        if left < MORE_MIN_WORDS:
            return out
        for section in others:
            name = section.heading.rpartition(SECTION_SEP)[2]
            label = f"{name}:" if name else ""
            if left - words(label) < MORE_SECTION_WORDS:
                break
            points = section_points(section.hit, stats)
            if not points:
                continue
            if not has_structure(points) and sum(words(u.text) for p in points for u in p.units) > left:
                points = points[:1]  # a long paragraph: its opening
            room = left - words(label) - words(more_points_note(len(points)))  # kept for the note, if it is cut
            lines, more = quote_section(section.hit, points, room)
            lines = _without_lone_lead_ins(
                [ln for ln in lines if ln.unit is None or not draft.cites(section.hit, ln.unit)]
            )
            if not lines or (not lines[0].marker and _leans_back(lines[0].text)):
                continue  # it opens on a sentence it needs and left out
            cost = sum(words(ln.text) for ln in lines)
            if cost > room:
                continue  # its first point alone does not fit (quote_section always gives one)
            out.append(Part(lines, label=label))
            left -= cost + words(label)
            if more:
                note = more_points_note(more)
                out.append(Part([Line(note)]))
                left -= words(note)
        return out

    @staticmethod
    def _trim(parts: list[Part], draft: Draft, budget: int) -> list[Part]:
        """Sentence-mode parts within the budget (whole parts, best first; the first always) and
        without what the lines before them already say."""
        out: list[Part] = []
        used = 0
        for part in parts:
            said = {ln.text for p in draft.lead + out for ln in p.lines}  # the same sentence in another passage
            part.lines = _without_lone_lead_ins(
                [
                    ln
                    for ln in part.lines
                    if ln.unit is None
                    or not (draft.cites(ln.hit, ln.unit) or (ln.text in said and not is_lead_in(ln.text)))
                ]
            )
            cost = sum(words(ln.text) for ln in part.lines)
            if not part.lines or (out and used + cost > budget):
                continue
            out.append(part)
            used += cost
        return out

    @staticmethod
    def _doctor(sections: list[SectionPassage], draft: Draft, stats: CorpusStats | None) -> Part | None:
        """One line of the article's when-to-see-a-doctor section (with the item after it, when the
        line introduces a list), unless the answer already quotes that section."""
        doctor = next((s for s in sections if DOCTOR in section_kinds(s.heading, s.hit.text)), None)
        if doctor is None:
            return None
        if any(
            ln.hit is not None and passage_key(ln.hit) == passage_key(doctor.hit)
            for p in draft.lead + draft.body
            for ln in p.lines
        ):
            return None
        units = [u for u in split_units(doctor.hit.text) if says_something(u, doctor.heading, stats)]
        if not units:
            return None
        picked = units[:2] if is_lead_in(units[0].text) and len(units) > 1 else units[:1]
        added = replace(doctor.hit, dense_score=None, score=0.0)  # it closes the answer: not ranked for the question
        lines = [Line(u.text, added, u, "-" if u.is_item else "") for u in picked]
        return Part(lines, label=f"{doctor.heading or 'When to see a doctor'}:")

    def group_lines(
        self,
        group: Qualifier,
        qv: np.ndarray,
        sections: list[SectionPassage],
        lead: SectionPassage | None,
        stats: CorpusStats | None,
    ) -> list[tuple[Hit, Unit]] | None:
        """The article's line for a group of people, to lead the answer: of the sentences and list items
        that name the group in the answering section, the when-to-see-a-doctor section or a section
        about the group, the one closest to the question (with the sentence that introduces its list).
        [] when the article names the group only elsewhere (it speaks of them, but not to this
        question); None when it never does."""
        found: list[tuple[Hit, Unit, list[Unit]]] = []
        named = False
        for s in sections:
            units = [u for u in split_units(s.hit.text) if says_something(u, s.heading, stats)]
            naming = [u for u in units if group.passage.search(u.text) and not is_lead_in(u.text)]
            named = named or bool(naming) or bool(group.passage.search(s.heading))
            if s is lead or DOCTOR in section_kinds(s.heading, s.hit.text) or group.passage.search(s.heading):
                found.extend((s.hit, u, units) for u in naming)
        if not found:
            return [] if named else None
        standing = [
            f for f in found if f[1].is_item or not (_LEANS_BACK.match(f[1].text) or PRONOUN_OPENING.match(f[1].text))
        ]
        found = standing or found  # "If so, your child may have ..." does not lead an answer
        vecs = embed_on_query_path(self.embedder, [f"{h.title}: {u.text}" for h, u, _ in found])
        hit, unit, units = found[int(np.argmax(vecs @ qv))]
        intro = lead_in(units, unit) if unit.is_item else None
        return [(hit, intro), (hit, unit)] if intro is not None else [(hit, unit)]

    def time_line(
        self, qv: np.ndarray, sections: list[SectionPassage], lead: SectionPassage | None, stats: CorpusStats | None
    ) -> tuple[Hit, Unit] | None:
        """The sentence of the article that gives the time a "how long" question asks for: the one of
        the sentences that state a time (a number of minutes, days, weeks ...) closest to the question,
        the answering section's first."""
        found: list[tuple[Hit, Unit]] = []
        for s in sorted(sections, key=lambda s: s is not lead):
            for u in split_units(s.hit.text):
                if sentence_answers(u.text, DURATION) and says_something(u, s.heading, stats):
                    found.append((s.hit, u))
        if not found:
            return None
        vecs = embed_on_query_path(self.embedder, [f"{h.title}: {u.text}" for h, u in found])
        scores = vecs @ qv + np.array(
            [0.05 * (lead is not None and passage_key(h) == passage_key(lead.hit)) for h, _ in found]
        )
        return found[int(np.argmax(scores))]


__all__ = [
    "Composer",
    "Draft",
    "Line",
    "Part",
    "Point",
    "SectionPassage",
    "answers_kind",
    "article_sections",
    "condensed",
    "lead_in",
    "has_structure",
    "named_groups",
    "quote_section",
    "render",
    "section_points",
    "words",
]
