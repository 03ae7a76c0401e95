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
        # first a section of the kind itself, then one that also answers it (a duration question: the
        # section that says how long, else the one that says what to do)
        for answers in (
            lambda heading: kind in section_kinds(heading, texts.get(heading, "")) and heading not in for_others,
            lambda heading: answers_kind(heading, kind, texts.get(heading, "")) and heading not in for_others,
        ):
            answering = [i for i in same if answers(passages[i].section)]
            if answering:
                passages.insert(0, passages.pop(answering[0]))
                break
            candidates = [c for c in article if answers(c.section)]
            if candidates:
                best = _closest(retriever, candidates, qv)
                passages = [h for h in passages if h.chunk_id != best[0].id]
                passages.insert(0, as_hit(best[0], best[1], lead.score))
                break
    return passages, article


def _closest(retriever: Retriever, chunks: list[Chunk], qv: np.ndarray) -> tuple[Chunk, float | None]:
    vectors = retriever.vectors.vectors([c.id for c in chunks])
    scored = [(float(vectors[c.id] @ qv), i) for i, c in enumerate(chunks) if c.id in vectors]
    if not scored:
        return chunks[0], None
    score, i = max(scored)
    return chunks[i], score
