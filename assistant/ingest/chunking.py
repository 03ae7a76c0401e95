"""Article -> heading-aware chunks that fit the embedding model (pure: no store, no model load)."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable

from langchain_text_splitters import RecursiveCharacterTextSplitter

from ..text import SENTENCE_GAP, title_section
from ..types import CHARS_PER_TOKEN, Article, Chunk

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
    never exceed `max_tokens` minus the two special tokens, nor CHARS_PER_TOKEN characters per word
    piece of that limit (`max_chars`), whatever the input: a run of characters without spaces longer
    than the body's share is cut into pieces (a "hard split").
    """

    def __init__(self, count_tokens: TokenCounter, max_tokens: int, chunk_tokens: int = 200, overlap: int = 40):
        self.count = count_tokens
        self.limit = max_tokens - 2  # [CLS] and [SEP]
        self.max_chars = self.limit * CHARS_PER_TOKEN
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
                length_function=self._length,
                separators=_SEPARATORS,
                is_separator_regex=True,
                keep_separator="end",
                strip_whitespace=True,
            )
        return self._splitters[size]

    def _length(self, text: str) -> int:
        """The size of a text as the splitter measures it: its word pieces, or its characters over
        CHARS_PER_TOKEN (rounded down: a space between words adds nothing) when that is more."""
        return max(self.count([text])[0], len(text) // CHARS_PER_TOKEN)

    def split(self, article: Article) -> list[Chunk]:
        chunks: list[Chunk] = []
        headers = [title_section(article.title, s.heading) for s in article.sections]
        header_tokens = self.count(headers)
        body_tokens = self.count([s.text for s in article.sections])
        for sec, head, h_tok, b_tok in zip(article.sections, headers, header_tokens, body_tokens, strict=True):
            if h_tok > self.limit // 3 or len(head) > self.max_chars // 3:  # absurdly long heading: keep its start
                head = self._truncate(head, self.limit // 3)[: self.max_chars // 3]
                h_tok = self.count([head])[0]
            budget = min(self.chunk_tokens, self.limit - h_tok - 1, (self.max_chars - len(head) - 1) // CHARS_PER_TOKEN)
            fits = b_tok <= budget and len(sec.text) <= budget * CHARS_PER_TOKEN
            bodies = [sec.text.strip()] if fits else self._bodies(sec.text, budget)
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
                if self.count([embedded])[0] > self.limit or len(embedded) > self.max_chars:
                    body = self._truncate(body, self.limit - h_tok - 1)[: self.max_chars - len(head) - 1]
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

    def _bodies(self, text: str, budget: int) -> list[str]:
        """A section's text in pieces of at most `budget` (by `_length`): runs without spaces longer than
        that many characters are cut apart here (the splitter would measure them one character at a
        time), the text between them goes through the splitter."""
        chars = budget * CHARS_PER_TOKEN
        bodies: list[str] = []
        start = 0
        for run in re.finditer(rf"\S{{{chars + 1},}}", text):
            bodies += self._splitter(budget).split_text(text[start : run.start()])
            bodies += self._hard_split(run.group(), budget)
            start = run.end()
        return bodies + self._splitter(budget).split_text(text[start:])

    def _hard_split(self, run: str, budget: int) -> list[str]:
        """A run of characters without spaces cut into pieces of at most `budget` word pieces and
        `budget` * CHARS_PER_TOKEN characters."""
        pieces, start, size = [], 0, budget * CHARS_PER_TOKEN
        while start < len(run):
            piece = run[start : start + size]
            while self.count([piece])[0] > budget:  # punctuation is one word piece a character
                piece = piece[: max(1, len(piece) * 4 // 5)]
            pieces.append(piece)
            start += len(piece)
        return pieces

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
