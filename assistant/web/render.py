"""Answers, sources and articles rendered for the browser, and answers as plain Markdown for the
HTTP API and MCP clients (pure functions, no Gradio).

Everything that comes from an article or a user (titles, sections, snippets, answer text,
questions) is HTML-escaped here, and Markdown link / image syntax in it is defused, so an
article containing `<script>` or `<img onerror=...>` shows up as text. Only the tags this
module writes itself (`<a>`, `<mark>`, `<span>`, headings) reach the page. The plain Markdown
(`render_answer(answer, html=False)`) holds no HTML at all: a `<` of the text is backslash-escaped,
cited sentences are bold instead of marked.
"""

from __future__ import annotations

import hashlib
import html
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from ..text import LIST_MARKER, cut_at_word, escape_attr, one_line, title_section
from ..types import Answer, Article, ArticleInfo, Citation, Hit, page_count, page_label

ARTICLE_PARAM = "article"
"""Query parameter of a source link: `?article=<key>&p=<chunk position>`."""
ASK_PARAM = "ask"
"""Query parameter of an offered article's link under a refused answer: `?ask=<key>` answers the
question from that article ("Did you mean ...?")."""
SNIPPET_CONTEXT = 220
"""Characters of passage text shown around the cited sentences."""
SOURCES_HEADING = "**Sources**"
CLOSEST_HEADING = "**Closest articles**"
NOT_RANKED = "added to close the answer, not ranked"
"""Said instead of a relevance for a cited passage no search found: the lead article's when-to-see-a-doctor
line, which the answer adds (it has no similarity to the question to show)."""

_MARKER = re.compile(r"\[(\d{1,4})\]")
_MD_LINK = re.compile(r"\]\s*\(")


# --- escaping ---------------------------------------------------------------------------------


def escape_text(text: str) -> str:
    """Text that may go into Markdown or HTML and must be shown as typed."""
    return _defuse_links(html.escape(text or "", quote=False)).replace("$$", "\\$\\$")


def escape_markdown(text: str) -> str:
    """Text for plain Markdown (the API's answers) that must be shown as typed: no HTML tag (a `<` is
    backslash-escaped), no link or image made from it; nothing else changed."""
    return _defuse_links((text or "").replace("<", "\\<"))


def _defuse_links(text: str) -> str:
    text = _MD_LINK.sub(lambda m: "]\\(", text)  # no [label](javascript:...) links from article text
    return text.replace("![", "!\\[")


def escape_user_text(text: str) -> str:
    """A user's message shown as typed: `<` and `>` escaped (idempotent, so a retried message is not
    escaped twice); Gradio's sanitiser alone would keep `<img src=x>` as an element."""
    return text.replace("<", "&lt;").replace(">", "&gt;")


def safe_url(url: str | None) -> str | None:
    """Only http(s) URLs become links (no javascript:, data:, file:)."""
    if not url:
        return None
    url = url.strip()
    if not re.match(r"^https?://[^\s<>\"']+$", url, re.IGNORECASE):
        return None
    return url


def article_key(root: str, source: str) -> str:
    """A short, stable id of an article for links (its folder path is not put in the page)."""
    return hashlib.sha1(f"{root}\x00{source}".encode()).hexdigest()[:16]


def article_href(root: str, source: str, position: int | None = None) -> str:
    href = f"?{ARTICLE_PARAM}={article_key(root, source)}"
    return href if position is None else f"{href}&p={int(position)}"


# --- answers ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Quote:
    """An excerpt of a passage around its cited sentences: the text as the article has it (its lines
    kept, so a numbered list stays a list) and where the cited sentences are in it."""

    text: str
    marks: tuple[tuple[int, int], ...] = ()
    """(start, end) of each cited sentence in `text`."""
    cut_before: bool = False
    """The passage goes on before the excerpt."""
    cut_after: bool = False

    @property
    def plain(self) -> str:
        """The excerpt on one line, without marks (what a rating record keeps)."""
        return one_line(self.text)

    def markdown(self, *, html: bool = True) -> str:
        """The excerpt as a Markdown block quote, one quoted line per line of the passage (blank lines
        kept as paragraph breaks); cited sentences in <mark> (html) or bold (plain Markdown)."""
        lines: list[str] = []
        start = 0
        for raw in self.text.split("\n"):
            end = start + len(raw)
            spans = [(max(a, start) - start, min(b, end) - start) for a, b in self.marks if a < end and b > start]
            line = " ".join(_marked(raw, spans, html=html).split())
            if line and line[0] in "#>":
                line = "\\" + line  # article text does not become a heading or a nested quote
            if line or (lines and lines[-1]):
                lines.append(line)
            start = end + 1
        while lines and not lines[-1]:
            lines.pop()
        if not lines:
            return ""
        if self.cut_before:
            lines = ["…", *lines] if LIST_MARKER.match(lines[0]) else [f"… {lines[0]}", *lines[1:]]
        if self.cut_after:
            lines[-1] += " …"
        return "\n".join(f"> {line}" if line else ">" for line in lines)


@dataclass
class Source:
    """One entry of the Sources block: a cited article section, duplicates merged."""

    n: int
    title: str
    section: str
    source: str
    root: str
    url: str | None
    relevance: float | None
    """Best cosine similarity of the question and a cited passage; None when no search ranked any of
    them (a passage the answer added: `NOT_RANKED`)."""
    positions: list[int] = field(default_factory=list)
    quotes: list[Quote] = field(default_factory=list)
    """Excerpts around the cited sentences."""
    page: int | None = None
    """PDF only: first page of the cited passages."""
    page_end: int | None = None
    """PDF only: last page of the cited passages."""

    @property
    def pages(self) -> str:
        """ "p. 3", "pp. 3–4" or "" (not a PDF)."""
        return page_label(self.page, self.page_end)

    @property
    def plain_snippets(self) -> list[str]:
        return [q.plain for q in self.quotes]

    def add_relevance(self, relevance: float | None) -> None:
        if relevance is not None:
            self.relevance = relevance if self.relevance is None else max(self.relevance, relevance)

    def add_pages(self, page: int | None, page_end: int | None) -> None:
        if page is None:
            return
        end = page_end if page_end is not None else page
        self.page = page if self.page is None else min(self.page, page)
        self.page_end = end if self.page_end is None else max(self.page_end, end)

    def as_dict(self) -> dict:
        return {
            "n": self.n, "title": self.title, "section": self.section, "source": self.source, "url": self.url,
            "relevance": None if self.relevance is None else round(self.relevance, 4), "snippets": self.plain_snippets,
            "page": self.page, "page_end": self.page_end,
        }


@dataclass
class RenderedAnswer:
    markdown: str
    """The whole chat message: answer text, notes and the Sources block."""
    text: str
    """The answer part alone (markers renumbered after merging duplicate sources)."""
    sources: list[Source]
    covered: bool


def answer_part(markdown: str) -> str:
    """A rendered answer without its Sources (or Closest articles) block: what was said."""
    return markdown.split(f"\n\n{SOURCES_HEADING}", 1)[0].split(f"\n\n{CLOSEST_HEADING}", 1)[0]


def cited_sentences(text: str) -> dict[int, list[str]]:
    """For each marker n, the sentences of the answer text that end with [n]."""
    out: dict[int, list[str]] = {}
    for line in text.split("\n"):
        line = LIST_MARKER.sub("", line)
        start = 0
        for m in _MARKER.finditer(line):
            piece = line[start : m.start()].strip()
            start = m.end()
            piece = _MARKER.sub("", piece).strip()
            if len(piece.split()) >= 2:
                out.setdefault(int(m.group(1)), []).append(piece)
    return out


def _relevance(hit: Hit | None, citation: Citation) -> float | None:
    """The cosine similarity shown for a cited passage: its dense score; the citation's score when the
    passage is not among the answer's hits; None for a passage neither search found (added, not ranked)."""
    if hit is None:
        return citation.score
    if hit.dense_score is not None:
        return hit.dense_score
    return None if hit.keyword_score is None else citation.score


def merge_sources(answer: Answer) -> tuple[str, list[Source]]:
    """Citations of the same article section merged into one source; the text's markers renumbered."""
    by_key: dict[tuple[str, str, str], Source] = {}
    mapping: dict[int, int] = {}
    hits = {(h.root, h.source, h.position): h for h in answer.hits}
    for c in answer.citations:
        key = (c.root, c.source, c.section)
        relevance = _relevance(hits.get((c.root, c.source, c.position)), c)
        src = by_key.get(key)
        if src is None:
            src = Source(len(by_key) + 1, c.title, c.section, c.source, c.root, c.url, relevance)
            by_key[key] = src
        src.add_relevance(relevance)
        if c.position not in src.positions:
            src.positions.append(c.position)
        src.add_pages(c.page, c.page_end)
        mapping[c.n] = src.n
    text = _MARKER.sub(lambda m: f"[{mapping.get(int(m.group(1)), int(m.group(1)))}]", answer.text)
    text = re.sub(r"(\[\d+\])(?:\s*\1)+", r"\1", text)  # "[1] [1]" after a merge -> "[1]"
    cited = cited_sentences(text)
    for c in answer.citations:
        src = by_key[(c.root, c.source, c.section)]
        hit = hits.get((c.root, c.source, c.position))
        passage = hit.text if hit is not None else c.snippet
        quote = quote_of(passage, cited.get(src.n, []), c.snippet)
        if quote.plain not in src.plain_snippets:
            src.quotes.append(quote)
    return text, list(by_key.values())


def _find(haystack: str, needle: str) -> tuple[int, int] | None:
    """Span of needle in haystack, whitespace-insensitive."""
    needle = needle.strip()
    if not needle:
        return None
    i = haystack.find(needle)
    if i >= 0:
        return i, i + len(needle)
    words = needle.split()
    if len(words) > 80:
        words = words[:80]
    m = re.search(r"\s+".join(re.escape(w) for w in words), haystack)
    return (m.start(), m.end()) if m else None


def highlight(text: str, spans: Iterable[tuple[int, int]], tag: str = "mark", attrs: str = "") -> str:
    """Escaped text with the spans wrapped in <tag attrs>...</tag> (overlapping spans merged)."""
    return _wrapped(text, spans, f"<{tag}{(' ' + attrs) if attrs else ''}>", f"</{tag}>", escape_text)


def _marked(text: str, spans: Iterable[tuple[int, int]], *, html: bool) -> str:
    """Escaped text with the spans in <mark> (html) or, for plain Markdown, in bold."""
    if html:
        return highlight(text, spans)
    return _wrapped(text, spans, "**", "**", escape_markdown)


def _wrapped(text: str, spans: Iterable[tuple[int, int]], open_: str, close: str, escape: Callable[[str], str]) -> str:
    merged: list[list[int]] = []
    for a, b in sorted(spans):
        if merged and a <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], b)
        else:
            merged.append([a, b])
    out, pos = [], 0
    for a, b in merged:
        out.append(escape(text[pos:a]))
        out.append(f"{open_}{escape(text[a:b])}{close}")
        pos = b
    out.append(escape(text[pos:]))
    return "".join(out)


def quote_of(passage: str, sentences: Sequence[str], snippet: str) -> Quote:
    """The excerpt of a passage around the cited sentences (SNIPPET_CONTEXT characters either side, cut at
    words), which are marked; the snippet alone when none of them is found in the passage."""
    spans = [s for s in (_find(passage, x) for x in sentences) if s]
    if not spans:
        found = _find(passage, snippet.split(" … ")[0]) if snippet else None
        spans = [found] if found else []
    if not spans:
        return Quote(snippet or passage[: 2 * SNIPPET_CONTEXT])
    lo = min(a for a, _ in spans)
    hi = max(b for _, b in spans)
    start = _word_start(passage, max(0, lo - SNIPPET_CONTEXT))
    end = _word_end(passage, min(len(passage), hi + SNIPPET_CONTEXT))
    marks = tuple((a - start, b - start) for a, b in spans)
    return Quote(passage[start:end], marks, cut_before=start > 0, cut_after=end < len(passage))


def _word_start(text: str, i: int) -> int:
    if i <= 0:
        return 0
    j = max(text.rfind(" ", 0, i), text.rfind("\n", 0, i))
    return j + 1 if j >= 0 else 0


def _word_end(text: str, i: int) -> int:
    if i >= len(text):
        return len(text)
    found = [j for j in (text.find(" ", i), text.find("\n", i)) if j >= 0]
    return min(found) if found else len(text)


def render_answer(answer: Answer, *, html: bool = True) -> RenderedAnswer:
    """The chat message for an answer: text with [n] markers, notes, then the Sources block.

    `html=False` gives plain Markdown for the HTTP API and MCP clients: no HTML (cited sentences in bold),
    no in-app "open article" links (they lead nowhere there).
    """
    text, sources = merge_sources(answer)
    escape = escape_text if html else escape_markdown
    parts = [escape(text)]
    for note in answer.notes:
        parts.append(f"*Note: {escape(note)}*")
    if sources:
        parts.append(sources_markdown(sources, covered=answer.covered, html=html))
    return RenderedAnswer("\n\n".join(parts), text, sources, answer.covered)


def sources_markdown(sources: Sequence[Source], *, covered: bool = True, html: bool = True) -> str:
    escape = escape_text if html else escape_markdown
    lines = [SOURCES_HEADING if covered else CLOSEST_HEADING]
    for s in sources:
        title = escape(s.title)
        if html:
            href = article_href(s.root, s.source, s.positions[0] if s.positions else None)
            title = f'<a href="{escape_attr(href)}" class="source-open" title="Read the whole article">{title}</a>'
        where = title_section(title, escape(s.section))
        relevance = NOT_RANKED if s.relevance is None else f"relevance {s.relevance:.2f}"
        meta = [f"`{escape(s.source)}`", *([s.pages] if s.pages else []), relevance]
        url = safe_url(s.url)
        if url and html:
            meta.append(f'<a href="{escape_attr(url)}" target="_blank" rel="noopener noreferrer">original page ↗</a>')
        elif url:
            meta.append(f"[original page]({url})")
        lines.append(f"**[{s.n}]** {where} · " + " · ".join(meta))
        if covered:
            lines += [md for md in (q.markdown(html=html) for q in s.quotes) if md]
        elif html:  # an offered article is one click from its answer
            ask = f"?{ASK_PARAM}={article_key(s.root, s.source)}"
            lines.append(f'<a href="{escape_attr(ask)}" class="ask-from">↪ Did you mean this article? Answer from it</a>')
    return "\n\n".join(lines)


def streaming_markdown(text: str) -> str:
    """What the chat shows while an answer is still coming in."""
    return escape_text(text) + " ▍"


# --- the whole article ------------------------------------------------------------------------


def article_html(
    article: Article, *, section: str | None = None, passage: str | None = None, pages: str = "",
) -> str:
    """The article as escaped HTML; the passage (a chunk of `section`) is marked with id="cited".
    `pages` ("p. 3", "pp. 3–4") says where in the PDF the passage is."""
    head = [f"<h2>{escape_text(article.title)}</h2>"]
    meta = [f"<code>{escape_text(article.source)}</code>"]
    if article.pages:
        meta.append(f"PDF, {page_count(article.pages)}")
    if pages and passage:
        meta.append(f'<span class="cited-pages">cited passage: {escape_text(pages)}</span>')
    url = safe_url(article.url)
    if url:
        meta.append(f'<a href="{escape_attr(url)}" target="_blank" rel="noopener noreferrer">original page ↗</a>')
    head.append(f'<div class="reader-meta">{" · ".join(meta)}</div>')
    body: list[str] = []
    marked = False
    candidates = [s for s in article.sections if s.heading == section] if section is not None else []
    candidates += [s for s in article.sections if s not in candidates]
    target_span: tuple[int, tuple[int, int]] | None = None
    if passage:
        for s in candidates:
            span = _find(s.text, passage)
            if span:
                target_span = (article.sections.index(s), span)
                break
    for i, s in enumerate(article.sections):
        part = []
        if s.heading:
            part.append(f"<h3>{escape_text(s.heading)}</h3>")
        if target_span is not None and target_span[0] == i:
            text = highlight(s.text, [target_span[1]], attrs='id="cited" class="cited"')
            marked = True
        else:
            text = escape_text(s.text)
        part.append(f'<div class="reader-text">{text}</div>')
        cls = ' class="has-cited"' if target_span is not None and target_span[0] == i else ""
        body.append(f"<section{cls}>{''.join(part)}</section>")
    note = "" if marked or not passage else '<p class="reader-note">The cited passage could not be located in the current file.</p>'
    return f'<article class="reader">{"".join(head)}{note}{"".join(body)}</article>'


# --- tables -----------------------------------------------------------------------------------

PASSAGE_COLUMNS = ["#", "article › section", "source", "dense", "keyword", "fused", "passage"]
ARTICLE_COLUMNS = ["title", "source", "format", "sections", "chunks", "ingested (UTC)", "folder"]


def _round(x: float | None, nd: int = 3) -> float | None:
    return None if x is None else round(float(x), nd)


def passage_rows(hits: Sequence[Hit], preview: int = 220) -> list[list]:
    """Rows of the Passages view: the dense (cosine), keyword (BM25) and fused (RRF) scores."""
    rows = []
    for i, h in enumerate(hits, 1):
        text = one_line(h.text)
        source = f"{h.source}, {page_label(h.page, h.page_end)}" if h.page is not None else h.source
        rows.append([
            i, title_section(h.title, h.section), source, _round(h.dense_score), _round(h.keyword_score, 2),
            _round(h.score, 4), cut_at_word(text, preview, " …"),
        ])
    return rows


def article_rows(infos: Sequence[ArticleInfo], query: str = "") -> list[list]:
    """Rows of the Articles table, filtered by words of `query` (all must appear, any case)."""
    words = query.lower().split()
    rows = []
    for a in infos:
        row = [a.title, a.source, a.kind, len(a.sections), a.chunks, a.ingested_at.replace("T", " ").replace("+00:00", ""), a.root]
        hay = " ".join(str(x) for x in row).lower() + " " + " ".join(a.sections).lower()
        if all(w in hay for w in words):
            rows.append(row)
    return rows


__all__ = [
    "ARTICLE_COLUMNS", "NOT_RANKED", "PASSAGE_COLUMNS", "Quote", "RenderedAnswer", "Source", "answer_part",
    "article_href", "article_html", "article_key", "article_rows", "escape_attr", "escape_markdown", "escape_text", "escape_user_text",
    "merge_sources", "passage_rows", "quote_of", "render_answer", "safe_url", "streaming_markdown",
]
