"""Article -> heading-aware chunks that fit the embedding model (pure: no store, no model load)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from langchain_text_splitters import RecursiveCharacterTextSplitter

from ..text import SENTENCE_GAP, title_section
from ..types import Article, Chunk

TokenCounter = Callable[[list[str]], list[int]]

CHUNKER_VERSION = "1"
_SEPARATORS = ["\n\n", "\n", SENTENCE_GAP, r"(?<=[;:,])\s+", " ", ""]


def chunk_id(root: str, source: str, position: int, embedded_text: str, pages: str = "") -> str:
    """Stable id: the article's identity, the chunk's position and its content (and, for a PDF, its
    pages, so a chunk that moves to another page gets a new id; other formats' ids are unchanged)."""
    key = f"{root}\x00{source}\x00{position}\x00{embedded_text}" + (f"\x00{pages}" if pages else "")
    return hashlib.sha256(key.encode()).hexdigest()[:32]


def _span_start(text: str, body: str, prev: tuple[int, int]) -> int:
    """Where `body` (a split of `text`) starts: after the previous body's start and at the latest where it
    may still overlap it (text that repeats itself has several places), else wherever it is found."""
    start = text.find(body, prev[0] + 1)
    best = start
    while start >= 0 and start <= prev[1] + 8:
        best = start
        start = text.find(body, start + 1)
    if best < 0:
        best = text.find(body)
    return max(best, 0)


class Chunker:
    """Splits each section of an article on its own so a chunk never spans two sections.

    Sizes are measured in the model's word pieces: the header (title › section) plus the body
    never exceed `max_tokens` minus the two special tokens.
    """

    def __init__(self, count_tokens: TokenCounter, max_tokens: int, chunk_tokens: int = 200, overlap: int = 40):
        self.count = count_tokens
        self.limit = max_tokens - 2  # [CLS] and [SEP]
        self.chunk_tokens = chunk_tokens
        self.overlap = overlap
        self._splitters: dict[int, RecursiveCharacterTextSplitter] = {}

    @property
    def key(self) -> str:
        return f"chunker{CHUNKER_VERSION}:{self.limit}:{self.chunk_tokens}:{self.overlap}"

    def _splitter(self, size: int) -> RecursiveCharacterTextSplitter:
        if size not in self._splitters:
            self._splitters[size] = RecursiveCharacterTextSplitter(
                chunk_size=size,
                chunk_overlap=min(self.overlap, size // 4),
                length_function=lambda t: self.count([t])[0],
                separators=_SEPARATORS,
                is_separator_regex=True,
                keep_separator="end",
                strip_whitespace=True,
            )
        return self._splitters[size]

    def split(self, article: Article) -> list[Chunk]:
        chunks: list[Chunk] = []
        headers = [title_section(article.title, s.heading) for s in article.sections]
        header_tokens = self.count(headers)
        body_tokens = self.count([s.text for s in article.sections])
        for sec, head, h_tok, b_tok in zip(article.sections, headers, header_tokens, body_tokens, strict=True):
            if h_tok > self.limit // 3:  # absurdly long heading: keep its start
                head = self._truncate(head, self.limit // 3)
                h_tok = self.count([head])[0]
            budget = min(self.chunk_tokens, self.limit - h_tok - 1)
            bodies = [sec.text.strip()] if b_tok <= budget else self._splitter(budget).split_text(sec.text)
            prev = (-1, 0)  # span of the previous body in sec.text
            for body in bodies:
                body = body.strip()
                if not body:
                    continue
                page = page_end = None
                if sec.page_starts:  # a PDF: the body's span in the section gives its pages
                    start = _span_start(sec.text, body, prev)
                    prev = (start, start + len(body))
                    page, page_end = sec.page_at(start), sec.page_at(start + len(body) - 1)
                embedded = f"{head}\n{body}"
                if self.count([embedded])[0] > self.limit:
                    body = self._truncate(body, self.limit - h_tok - 1)
                    embedded = f"{head}\n{body}"
                pos = len(chunks)
                pages = f"{page}-{page_end}" if page is not None else ""
                chunks.append(
                    Chunk(
                        root=article.root,
                        source=article.source,
                        position=pos,
                        title=article.title,
                        section=sec.heading,
                        text=body,
                        embedded_text=embedded,
                        url=article.url,
                        id=chunk_id(article.root, article.source, pos, embedded, pages),
                        page=page,
                        page_end=page_end,
                    )
                )
        return chunks

    def _truncate(self, text: str, tokens: int) -> str:
        """Cut text to at most `tokens` word pieces, on a word boundary (binary search on words)."""
        words = text.split(" ")
        lo, hi = 0, len(words)
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if self.count([" ".join(words[:mid])])[0] <= tokens:
                lo = mid
            else:
                hi = mid - 1
        if lo == 0:  # one enormous "word": cut characters
            cut = text[: tokens * 2]
            while cut and self.count([cut])[0] > tokens:
                cut = cut[: int(len(cut) * 0.8)]
            return cut
        return " ".join(words[:lo])
