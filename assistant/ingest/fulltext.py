"""The whole text of an ingested article, for reading it next to a citation.

Parsed again from its file when the file is still there and inside its folder; otherwise
pieced together from the stored chunks (overlaps removed), so a source always opens.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from pathlib import Path

from ..errors import ArticleError
from ..types import Article, Chunk, Section
from .articles import read_article

log = logging.getLogger(__name__)


def load_article(root: str, source: str, chunks: Iterable[Chunk]) -> Article:
    """The article `source` of folder `root`; `chunks` (its stored chunks) are the fallback."""
    base = Path(root)
    try:
        path = (base / source).resolve()
    except (RuntimeError, OSError):  # the file became a link loop since it was ingested
        return from_chunks(root, source, list(chunks))
    if path.is_relative_to(base.resolve()) and path.is_file():
        try:
            return read_article(path, base.resolve())
        except ArticleError as exc:
            log.warning("cannot re-read %s (%s): showing the stored text", path, exc)
    return from_chunks(root, source, list(chunks))


def from_chunks(root: str, source: str, chunks: list[Chunk]) -> Article:
    """An Article rebuilt from its chunks: one section per heading, overlapping text merged."""
    chunks = sorted(chunks, key=lambda c: c.position)
    if not chunks:
        raise ArticleError(f"{source}: no stored text")
    sections: list[tuple[str, str]] = []
    for c in chunks:
        if sections and sections[-1][0] == c.section:
            sections[-1] = (c.section, merge_overlap(sections[-1][1], c.text))
        else:
            sections.append((c.section, c.text))
    return Article(
        root=root, source=source, title=chunks[0].title, url=chunks[0].url,
        sections=tuple(Section(h, t) for h, t in sections),
    )


def merge_overlap(a: str, b: str, max_overlap: int = 2000) -> str:
    """a + b without the text that ends a and starts b again (chunk overlap)."""
    limit = min(len(a), len(b), max_overlap)
    for n in range(limit, 10, -1):
        if a.endswith(b[:n]):
            return a + b[n:]
    return f"{a}\n\n{b}" if a.endswith((".", "!", "?", ":")) else f"{a} {b}"


__all__ = ["from_chunks", "load_article", "merge_overlap"]
