"""Plain dataclasses that flow between the modules: files -> Article -> Chunk -> Hit -> Answer."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, NamedTuple

from .commands import command
from .text import plural, title_section

CHARS_PER_TOKEN = 8
"""A chunk holds at most this many characters per word piece of its limit. Word pieces alone do not bound
its length: the model's tokenizer makes any word over 100 characters one [UNK], so a 20 MB line without
spaces counted as one word piece. Prose has 4-5 characters per word piece (the longest MEDIQA chunk: 1,210
characters), so the bound only cuts runs of characters no one reads."""
MAX_PASSAGE_CHARS = 512 * CHARS_PER_TOKEN
"""The most characters of one passage that search, the tools and the LangChain retriever return: the
chunker's bound for a model of up to 512 word pieces. A longer chunk (in a store built before the chunker
had a character bound) is cut at a word."""


@dataclass(frozen=True)
class Section:
    heading: str
    """Section heading; empty for the untitled introduction."""
    text: str
    """Section body: paragraphs separated by blank lines, list items one per line."""
    page_starts: tuple[tuple[int, int], ...] = ()
    """PDF only: (character offset in `text`, page number) where each page starts; empty for other formats."""

    def page_at(self, offset: int) -> int | None:
        """The page of the character at `offset` (None when the section has no pages)."""
        page = None
        for start, number in self.page_starts:
            if start > offset:
                break
            page = number
        return page


@dataclass(frozen=True)
class Article:
    root: str
    """Resolved absolute path of the folder the article was ingested from."""
    source: str
    """Path relative to `root`, POSIX separators (e.g. `leg-cramps-at-night.txt`)."""
    title: str
    sections: tuple[Section, ...]
    url: str | None = None
    content_hash: str = ""
    format: str = ""
    """The file format: "pdf", "txt", "md", "html" (from the file name)."""
    pages: int | None = None
    """Pages of a PDF; None for other formats."""

    @property
    def text(self) -> str:
        parts = [self.title]
        for s in self.sections:
            parts.extend(p for p in (s.heading, s.text) if p)
        return "\n\n".join(parts)


@dataclass(frozen=True)
class Chunk:
    root: str
    source: str
    position: int
    title: str
    section: str
    text: str
    """The chunk body: what a citation shows."""
    embedded_text: str
    """What is embedded: title and section heading, then the body."""
    url: str | None = None
    id: str = ""
    page: int | None = None
    """PDF only: the page the chunk starts on (None for other formats and for stores built before pages)."""
    page_end: int | None = None
    """PDF only: the page the chunk ends on."""


@dataclass(frozen=True)
class Hit:
    source: str
    title: str
    section: str
    text: str
    url: str | None
    score: float
    """Fused relevance score (higher is better)."""
    root: str = ""
    position: int = 0
    chunk_id: str = ""
    dense_score: float | None = None
    """Cosine similarity of the question to the chunk, if dense search found it."""
    keyword_score: float | None = None
    """BM25 score, if keyword search found it."""
    page: int | None = None
    """PDF only: the page the passage starts on."""
    page_end: int | None = None


@dataclass(frozen=True)
class Citation:
    n: int
    source: str
    title: str
    section: str
    snippet: str
    url: str | None = None
    score: float = 0.0
    root: str = ""
    position: int = 0
    page: int | None = None
    page_end: int | None = None

    @classmethod
    def of(cls, n: int, hit: Hit, snippet: str) -> Citation:
        """Citation [n] of a retrieved passage, quoting `snippet` of it."""
        return cls(
            n=n, source=hit.source, title=hit.title, section=hit.section, snippet=snippet, url=hit.url,
            score=hit.score, root=hit.root, position=hit.position, page=hit.page, page_end=hit.page_end,
        )

    @property
    def pages(self) -> str:
        """ "p. 3", "pp. 3–4", or "" when the source has no pages."""
        return page_label(self.page, self.page_end)


def page_count(pages: int) -> str:
    """ "1 page", "12 pages"."""
    return plural(pages, "page")


def page_label(page: int | None, page_end: int | None = None) -> str:
    """ "p. 3", or "pp. 3–4" for a span of pages; "" without a page."""
    if page is None:
        return ""
    if page_end is not None and page_end != page:
        return f"pp. {page}–{page_end}"
    return f"p. {page}"


class Turn(NamedTuple):
    """One message of a conversation, as `ask(history=...)` takes it (a plain string is a user's question)."""

    role: Literal["user", "assistant"]
    text: str


@dataclass(frozen=True)
class Refusal:
    """Why `ask` said the articles do not cover a question: the coverage test that failed, with its figures
    (assistant/answering/coverage.py)."""

    test: str
    """"no passages", "best cosine" (below `min_score`), "evidence" (best + focus cosine below `min_evidence`),
    "absent subject" or "absent word" (the question rests on `word`, which no article mentions), or "nothing to
    quote" (the passages passed, but hold no sentence to answer with)."""
    best: float | None = None
    """The best cosine of the question and a passage."""
    focus: float | None = None
    """The best cosine of the question's focus and the first passages (0 when `best` already failed)."""
    threshold: float | None = None
    """The setting the failed figure was compared with."""
    word: str | None = None
    """The subject or word the question rests on that no article mentions (also named when the cosines refused)."""

    def __str__(self) -> str:
        if self.test == "no passages":
            return "no passages found (nothing ingested?)"
        if self.test == "nothing to quote":
            return "the passages found hold no sentence that answers it"
        missing = f"; no article mentions “{self.word}”" if self.word else ""
        if self.test == "best cosine":
            return f"best cosine {self.best:.2f} below the threshold {self.threshold:.2f} (ASSISTANT_MIN_SCORE){missing}"
        if self.test == "evidence":
            return (f"best cosine {self.best:.2f} + focus cosine {self.focus:.2f} = {self.best + self.focus:.2f} "
                    f"below {self.threshold:.2f} (ASSISTANT_MIN_EVIDENCE){missing}")
        return f"no article mentions “{self.word}”, which the question rests on (best cosine {self.best:.2f})"


@dataclass(frozen=True)
class Answer:
    """An answer, made once and complete: what every interface shows is a field (none parses `text`)."""

    question: str
    text: str
    """Markdown with inline [n] markers: the urgent notice and the qualifier notes first, when there are any."""
    citations: list[Citation]
    covered: bool
    notes: list[str] = field(default_factory=list)
    """Things the user should know (e.g. the question was truncated)."""
    hits: list[Hit] = field(default_factory=list)
    backend: str = "extractive"
    notice: str = ""
    """The urgent-care notice that heads `text`, when the question mentions a warning sign."""
    closing: str = ""
    """The closing when-to-see-a-doctor lines that end `text` (a self-care answer's safety net), if any."""
    searched: str = ""
    """The question as searched: cleaned, and a follow-up made standalone (folded or condensed)."""
    refusal: Refusal | None = None
    """Why the articles were found not to cover the question (None when `covered`, or answered from a chosen article)."""
    qualifier_notes: list[str] = field(default_factory=list)
    """The notes in `text` that say no passage found addresses the group the question names (pregnancy, children,
    older people)."""

    @property
    def offered(self) -> list[Citation]:
        """The closest articles a refused answer offers (its citations); none for an answer."""
        return [] if self.covered else self.citations

    def __str__(self) -> str:
        return "\n".join([self.text, "", *self.footer_lines()]).rstrip() + "\n"

    def footer_lines(self) -> list[str]:
        """What follows the text, as plain lines: the notes, what wrote the answer, the sources."""
        lines = [f"Note: {n}" for n in self.notes]
        if self.backend != "extractive":
            lines.append(f"Written by {self.backend} from the sources below (citations checked).")
        if self.citations:
            lines.append("Sources:" if self.covered else "Closest articles:")
            for c in self.citations:
                where = title_section(c.title, c.section)
                link = f" <{c.url}>" if c.url else ""
                pages = f", {c.pages}" if c.pages else ""
                lines.append(f"  [{c.n}] {where} ({c.source}{pages}){link}")
        return lines


@dataclass
class IngestReport:
    added: int = 0
    updated: int = 0
    removed: int = 0
    unchanged: int = 0
    chunks: int = 0
    """Chunks embedded and written in this run."""
    skipped: list[tuple[str, str]] = field(default_factory=list)
    """(path, reason) of files that were not ingested."""
    seconds: float = 0.0

    def __str__(self) -> str:
        lines = [
            f"added {self.added}, updated {self.updated}, removed {self.removed}, "
            f"unchanged {self.unchanged} articles; {self.chunks} chunks embedded "
            f"in {self.seconds:.1f} s"
        ]
        if self.skipped:
            lines.append(f"skipped {len(self.skipped)} file(s):")
            lines.extend(f"  {path}: {reason}" for path, reason in self.skipped)
        return "\n".join(lines)


@dataclass(frozen=True)
class ArticleInfo:
    root: str
    source: str
    title: str
    url: str | None
    sections: tuple[str, ...]
    chunks: int
    ingested_at: str
    """ISO 8601 UTC timestamp."""
    format: str = ""
    """The file format ("pdf", "txt", "md", "html", ...)."""
    pages: int | None = None
    """Pages of a PDF; None for other formats."""

    @property
    def kind(self) -> str:
        """The format as shown to people: "pdf, 12 pages", "docx", "txt"."""
        if self.pages is None:
            return self.format
        return f"{self.format}, {page_count(self.pages)}"


@dataclass
class CheckReport:
    """What `Assistant.check` found in the store and what it repaired."""

    chunks: int = 0
    """Chunks in the manifest."""
    vectors: int = 0
    """Vectors in the vector index when the check started."""
    missing: int = 0
    """Chunks without a vector."""
    orphans: int = 0
    """Vectors without a chunk."""
    unreachable: int = 0
    """Vectors that a dense query for their own vector does not find (or that cannot be read)."""
    damage: str = ""
    """Damaged index files (empty when the files agree)."""
    repaired: list[str] = field(default_factory=list)
    """What was repaired, one line each."""
    problems: list[str] = field(default_factory=list)
    """What is still wrong (each needs `python ingest.py --rebuild`)."""
    recall: float | None = None
    """Recall@10 of the approximate vector index against exact search, measured on `recall_queries` sample
    queries (assistant/ingest/recall.py); None when not measured (a store of 10 chunks or fewer, a problem)."""
    recall_queries: int = 0
    notes: list[str] = field(default_factory=list)
    """What to know that is no inconsistency (a recall below 0.99, and how to raise it)."""
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        """True when the store is consistent (possibly after repairs)."""
        return not self.problems

    def __str__(self) -> str:
        lines = [
            f"{self.chunks} chunks in the manifest, {self.vectors} vectors: {self.missing} missing, "
            f"{self.orphans} without a chunk, {self.unreachable} unreachable"
            + (f"; damaged index files: {self.damage}" if self.damage else "")
        ]
        if self.recall is not None:
            lines.append(f"vector search recall@10: {self.recall:.4f} against exact search on {self.recall_queries} "
                         "sample queries")
        lines += [f"repaired: {r}" for r in self.repaired]
        lines += [f"problem: {p}" for p in self.problems]
        lines += [f"note: {n}" for n in self.notes]
        lines.append(("consistent" if not self.repaired else "consistent after repair") if self.ok else
                     f"NOT consistent: run `{command('ingest')} --rebuild` to re-embed the articles")
        return "\n".join(lines)


def file_format(source: str) -> str:
    """The format name of an article file: "txt", "md", "html", "mhtml", "pdf", "docx" (from its extension)."""
    ext = Path(source).suffix.lower().lstrip(".")
    return {"markdown": "md", "htm": "html", "mht": "mhtml"}.get(ext, ext)
