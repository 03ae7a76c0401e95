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
            # a section whose kind neither its heading nor its sentences tell may lead, when it is closer to the
            # question by UNREAD_HANDICAP; else retrieval's order decides among the sections of the kind, and
            # when none of them was found, the closest of their chunks
            unread = [h for h in headings if h.strip() and not kinds[h]]
            first = next((i for i in same if passages[i].section in answering), None)
            best = None
            if unread or first is None:
                pool = [c for c in article if c.section in answering or c.section in unread]
                best = _closest(retriever, pool, qv, favoured=frozenset(answering))
            if first is not None and (best is None or best[0].section in answering):
                passages.insert(0, passages.pop(first))
            elif best is not None:
                found = next((i for i in same if passages[i].section == best[0].section), None)
                if found is not None:
                    passages.insert(0, passages.pop(found))
                else:
                    passages = [h for h in passages if h.chunk_id != best[0].id]
                    passages.insert(0, as_hit(best[0], best[1], lead.score))
    return passages, article


UNREAD_HANDICAP = 0.1
"""How much closer to the question (cosine) a section whose kind cannot be read must be than every
section of the question's kind to lead instead ("When feeding gets bitey" for "baby keeps biting me
when I breastfeed, what do I do", over "Soothing sore gums"). The untitled introduction and the sections
read as another kind do not compete: the introduction is close to every question about its subject, and a
section of another kind answers another question."""


def _closest(
    retriever: Retriever, chunks: list[Chunk], qv: np.ndarray, favoured: frozenset[str] = frozenset()
) -> tuple[Chunk, float | None]:
    """The chunk closest to the question, chunks of the `favoured` sections by UNREAD_HANDICAP ahead, with its
    cosine; without vectors, the first chunk of a favoured section (else the first chunk)."""
    vectors = retriever.vectors.vectors([c.id for c in chunks])
    scored = [
        (float(vectors[c.id] @ qv) + UNREAD_HANDICAP * (c.section in favoured), i)
        for i, c in enumerate(chunks)
        if c.id in vectors
    ]
    if not scored:
        return next((c for c in chunks if c.section in favoured), chunks[0]), None
    _, i = max(scored)
    return chunks[i], float(vectors[chunks[i].id] @ qv)
