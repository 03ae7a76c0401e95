"""`route`: the passages an answer is made from, led by the section of the best article that answers the
question's kind. Retrieval (search/retrieval.py) picks the article; the question's kind picks the section."""

from __future__ import annotations

import numpy as np

from ..search.intent import answers_kind, section_kinds
from ..search.retrieval import Retriever, as_hit
from ..text import SECTION_SEP
from ..types import Chunk, Hit
from .compose import article_sections, named_groups


def route(
    retriever: Retriever, kind: str | None, hits: list[Hit], qv: np.ndarray, n: int, question: str = ""
) -> tuple[list[Hit], list[Chunk]]:
    """The passages to answer from, led by the section of the best article that answers the
    question's kind ("why ..." -> its causes section), and that article's chunks (the whole article,
    for the answer's other lines). Retrieval picks the article; the question's kind picks the section."""
    if not hits:
        return hits, []
    lead = hits[0]
    article = list(retriever.manifest.iter_chunks(lead.root, lead.source))
    passages = list(hits)
    if kind is not None:
        texts: dict[str, str] = {}
        for section in article_sections(article):  # a section's kind: its heading, else its sentences
            texts.setdefault(section.heading, section.hit.text)
        same = [i for i, h in enumerate(passages[:n]) if (h.root, h.source) == (lead.root, lead.source)]
        asked = {g.name for g in named_groups(question)}
        for_others = {  # "Knocks in little ones" does not lead a question about an adult
            c.section
            for c in article
            if any(g.name not in asked for g in named_groups(c.section.rpartition(SECTION_SEP)[2]))
        }
        # the sections of the kind itself, else those that also answer it (a duration question: the section
        # that says how long, else the one that says what to do)
        headings = [h for h in texts if h not in for_others]
        kinds = {h: section_kinds(h, texts[h]) for h in headings}
        answering = [h for h in headings if kind in kinds[h]] or [
            h for h in headings if answers_kind(h, kind, texts[h])
        ]
        if answering:
            unread = [h for h in headings if h.strip() and not kinds[h]]
            lead_chunk = _unread_lead(retriever, article, answering, unread, qv)
            if lead_chunk is None:  # retrieval's order decides among the sections that answer the kind
                first = next((i for i in same if passages[i].section in answering), None)
                if first is not None:
                    passages.insert(0, passages.pop(first))
                    return passages, article
                lead_chunk = _closest(retriever, [c for c in article if c.section in answering], qv)
            found = next((i for i in same if passages[i].section == lead_chunk[0].section), None)
            if found is not None:
                passages.insert(0, passages.pop(found))
            else:
                passages = [h for h in passages if h.chunk_id != lead_chunk[0].id]
                passages.insert(0, as_hit(lead_chunk[0], lead_chunk[1], lead.score))
    return passages, article


def _closest(retriever: Retriever, chunks: list[Chunk], qv: np.ndarray) -> tuple[Chunk, float | None]:
    vectors = retriever.vectors.vectors([c.id for c in chunks])
    scored = [(float(vectors[c.id] @ qv), i) for i, c in enumerate(chunks) if c.id in vectors]
    if not scored:
        return chunks[0], None
    score, i = max(scored)
    return chunks[i], score


UNREAD_HANDICAP = 0.1
"""How much closer to the question (cosine) a section whose kind cannot be read must be than every
section of the question's kind to lead instead ("When feeding gets bitey" for "baby keeps biting me
when I breastfeed, what do I do", over "Soothing sore gums")."""


def _unread_lead(
    retriever: Retriever, article: list[Chunk], answering: list[str], unread: list[str], qv: np.ndarray
) -> tuple[Chunk, float | None] | None:
    """The closest chunk of a section whose kind neither its heading nor its sentences tell, when it is
    closer to the question than every section of the question's kind by UNREAD_HANDICAP; else None. The
    untitled introduction and the sections read as another kind do not compete: the introduction is
    close to every question about its subject, and a section of another kind answers another question."""
    if not unread:
        return None
    chunks = [c for c in article if c.section in unread or c.section in answering]
    vectors = retriever.vectors.vectors([c.id for c in chunks])
    scored = [
        (float(vectors[c.id] @ qv) + UNREAD_HANDICAP * (c.section in answering), i)
        for i, c in enumerate(chunks)
        if c.id in vectors
    ]
    if not scored:
        return None
    score, i = max(scored)
    if chunks[i].section in answering:
        return None
    return chunks[i], score
