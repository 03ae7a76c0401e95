"""Read a PDF's text layer into a title and heading-aware sections that know their pages.

pypdfium2 (PDFium, Apache-2.0/BSD) was chosen after measuring the candidates on a 300-page PDF
printed by Chromium (benchmarks/pdf_libraries.py): its text objects with their font size, weight
and position come at ~340 pages/s, against ~110 for pypdf and ~17 for pdfplumber/pdfminer.six.

Pages are read one at a time and closed (only small line records are kept), then:
- running headers and footers (the same text, digits aside, at the top or bottom of most pages)
  and bare page numbers there are dropped;
- lines become blocks (a new block at a vertical gap, a change of font size or weight, a bullet);
  a block continues across a page or column break when its last line ends mid-sentence;
- the body size is the most common font size; larger or bold short blocks are headings, the
  largest text on page 1 is the title (else the document's Title metadata);
- a word hyphenated at a line end is joined; a line with a bullet (a glyph or, as Chromium
  prints them, a small drawn dot) becomes a `- item` line.
"""

from __future__ import annotations

import logging
import math
import re
import threading
from collections import Counter
from dataclasses import dataclass, field

from ..errors import ArticleError
from ..text import nest_heading, one_line, title_key
from ..types import Section

log = logging.getLogger(__name__)

PDF_PARSER_VERSION = "1"
"""Part of the fingerprint of .pdf files only: bump it to re-parse PDFs without touching other formats."""

NO_TEXT = "no text layer (scanned?)"
NEEDS_PASSWORD = "encrypted: needs a password to open"
TRUNCATED = "truncated PDF: the file ends before its end marker (incomplete download or copy?)"
NOT_PDF = "damaged PDF: no PDF header (not a PDF file?)"
NO_CONTENT = "damaged PDF: its pages have no readable content"

_LOCK = threading.Lock()  # PDFium is not thread-safe: one document at a time in this process
_BULLET_CHARS = "•◦▪▫■□●○‣⁃∙·–—*-"
_BULLET = re.compile(rf"^\s*(?:[{re.escape(_BULLET_CHARS)}]|\(?\d{{1,3}}[.)]|\(?[a-z][.)])\s+")
_PAGE_NUMBER = re.compile(r"^\s*(?:page\s*)?[-–—]?\s*\d{1,5}\s*[-–—]?(?:\s*(?:of|/)\s*\d{1,5})?\s*$", re.I)
_SENTENCE_END = (".", "!", "?", ":", ";", '"', "”", "’", ")")


@dataclass(slots=True)
class _Line:
    page: int  # 1-based
    text: str = ""
    size: float = 0.0
    bold: bool = False
    x0: float = 0.0
    x1: float = 0.0
    y: float = 0.0  # baseline
    bullet: bool = False


@dataclass
class _Block:
    lines: list[_Line]
    kind: str = "body"  # body | item | heading
    level: int = 0

    @property
    def size(self) -> float:
        return self.lines[0].size

    @property
    def page(self) -> int:
        return self.lines[0].page


@dataclass
class PdfDocument:
    """What a PDF gives: its title, sections with `page_starts`, and its page count."""

    title: str
    sections: list[Section] = field(default_factory=list)
    pages: int = 0


def parse_pdf(data: bytes) -> PdfDocument:
    """Title and sections of a PDF. Raises ArticleError with a one-line reason."""
    head = data[:1024]
    if b"%PDF-" not in head:
        raise ArticleError(NOT_PDF)
    if b"%%EOF" not in data[-65536:]:
        raise ArticleError(TRUNCATED)
    with _LOCK:
        lines, meta_title, n_pages, pictures = _read_lines(data)
    if not lines:
        raise ArticleError(NO_TEXT if pictures else NO_CONTENT)
    lines = _drop_running(lines, n_pages)
    if not lines:
        raise ArticleError("no article text found after cleaning")
    title, sections = _structure(lines, meta_title)
    return PdfDocument(title, sections, n_pages)


# --- reading pages ---------------------------------------------------------------------------


def _read_lines(data: bytes) -> tuple[list[_Line], str, int, int]:
    """The text lines of every page, the metadata title, the page count and the number of pictures
    and drawings (a PDF without text but with pictures is a scan; with neither it is damaged)."""
    import pypdfium2 as pdfium
    import pypdfium2.raw as raw

    try:
        doc = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        raise ArticleError(_open_error(exc)) from None
    try:
        try:
            meta_title = (doc.get_metadata_value("Title") or "").strip()
        except Exception:  # noqa: BLE001 - a broken info dictionary only loses the metadata title
            meta_title = ""
        n_pages = len(doc)
        if n_pages == 0:
            raise ArticleError("damaged PDF: it has no pages")
        lines: list[_Line] = []
        pictures = [0]
        for index in range(n_pages):
            try:
                lines += _page_lines(doc, index, raw, pictures)
            except Exception as exc:  # noqa: BLE001 - PDFium errors on one page: the page is left out
                log.warning("PDF page %d cannot be read (%s): left out", index + 1, exc)
        return lines, meta_title, n_pages, pictures[0]
    finally:
        doc.close()


def _open_error(exc: Exception) -> str:
    msg = str(exc).lower()
    if "password" in msg:
        return NEEDS_PASSWORD
    if "security" in msg or "unsupported" in msg:
        return "encrypted with an unsupported security scheme"
    if "format" in msg or "not found" in msg or "corrupt" in msg:
        return "damaged PDF: its structure cannot be read"
    return f"damaged PDF: {exc}"


def _page_lines(doc, index: int, raw, pictures: list[int]) -> list[_Line]:
    page = doc[index]
    textpage = page.get_textpage()
    try:
        lines: list[_Line] = []
        dots: list[tuple[float, float, float, float]] = []
        line: _Line | None = None
        last_x1 = 0.0
        for obj in page.get_objects(textpage=textpage):
            if obj.type == raw.FPDF_PAGEOBJ_PATH:
                pictures[0] += 1
                left, bottom, right, top = obj.get_bounds()
                if 0 < right - left < 8 and 0 < top - bottom < 8:
                    dots.append((left, bottom, right, top))
                continue
            if obj.type != raw.FPDF_PAGEOBJ_TEXT:
                pictures[0] += obj.type in (raw.FPDF_PAGEOBJ_IMAGE, raw.FPDF_PAGEOBJ_PATH, raw.FPDF_PAGEOBJ_SHADING)
                continue
            text = obj.extract().replace("\x02", "-").replace("\r", "").replace("\n", " ").replace("\u00a0", " ")
            if not text:
                continue
            a, b, c, d, e, f = obj.get_matrix().get()
            size = obj.get_font_size() * math.sqrt(abs(a * d - b * c) or 1.0)
            font = obj.get_font()
            name = font.get_base_name().lower()
            bold = font.get_weight() >= 600 or any(w in name for w in ("bold", "black", "heavy", "semibold"))
            left, _, right, _ = obj.get_bounds()
            same_line = line is not None and abs(f - line.y) <= 0.4 * max(size, line.size)
            if same_line and last_x1 - size <= left <= last_x1 + _GUTTER * size:  # (wider: the next column)
                if left - last_x1 > 0.2 * size and not line.text.endswith(" ") and not text.startswith(" "):
                    line.text += " "
                line.text += text
                line.bold = line.bold and bold if text.strip() else line.bold
                line.size = max(line.size, size) if text.strip() else line.size
                line.x1 = right
            else:
                if line is not None:
                    lines.append(line)
                line = _Line(index + 1, text, size, bold, left, right, f)
            last_x1 = right
        if line is not None:
            lines.append(line)
        lines = [ln for ln in lines if ln.text.strip()]
        for ln in lines:
            ln.text = one_line(ln.text)
            ln.bullet = any(
                r <= ln.x0 and ln.x0 - r < 2 * ln.size and ln.y - 0.2 * ln.size <= (b + t) / 2 <= ln.y + 0.8 * ln.size
                for _left, b, r, t in dots
            )
        return _column_order(lines)
    finally:
        textpage.close()
        page.close()


_GUTTER = 2.5
"""Ems of blank space on a baseline that separate two columns (words are never that far apart)."""


def _column_order(lines: list[_Line]) -> list[_Line]:
    """A page drawn row by row across two columns (left line, right line on the same baseline, ...) read
    column by column. Pages drawn column by column (Chromium, Word, LaTeX) are left as they are."""
    pairs = [
        (a, b)
        for a, b in zip(lines, lines[1:], strict=False)
        if abs(a.y - b.y) <= 0.4 * a.size and b.x0 > a.x1 + _GUTTER * a.size
    ]
    if len(lines) < 4 or len(pairs) < 0.3 * len(lines):
        return lines
    gutter = sorted(b.x0 for _, b in pairs)[len(pairs) // 2] - 0.5 * pairs[0][0].size
    sides = [ln for ln in lines if ln.x1 <= gutter or ln.x0 >= gutter]
    top = max(ln.y for ln in sides)

    def group(ln: _Line) -> int:
        if ln.x1 <= gutter:
            return 1
        if ln.x0 >= gutter:
            return 2
        return 0 if ln.y > top else 3  # spanning both columns: a title above them, a footnote below

    return sorted(lines, key=lambda ln: (group(ln), -ln.y))


# --- running headers, footers, page numbers --------------------------------------------------


def _edge_lines(page_lines: list[_Line]) -> list[_Line]:
    """The two lines nearest the top and the two nearest the bottom of a page."""
    by_y = sorted(page_lines, key=lambda ln: ln.y)
    return by_y[:2] + by_y[-2:] if len(by_y) > 4 else by_y


def _key(text: str) -> str:
    return re.sub(r"\d+", "#", text.lower()).strip()


def _drop_running(lines: list[_Line], n_pages: int) -> list[_Line]:
    pages: dict[int, list[_Line]] = {}
    for ln in lines:
        pages.setdefault(ln.page, []).append(ln)
    edges = {p: _edge_lines(ls) for p, ls in pages.items()}
    seen = Counter(k for ls in edges.values() for k in {_key(ln.text) for ln in ls})
    running = {k for k, n in seen.items() if n_pages >= 2 and n >= 2 and n >= 0.5 * len(pages)}
    drop = {id(ln) for ls in edges.values() for ln in ls if _key(ln.text) in running or _PAGE_NUMBER.match(ln.text)}
    return [ln for ln in lines if id(ln) not in drop]


# --- structure ---------------------------------------------------------------------------------


def _body_size(lines: list[_Line]) -> float:
    sizes: Counter[float] = Counter()
    for ln in lines:
        sizes[round(ln.size * 2) / 2] += len(ln.text)
    return sizes.most_common(1)[0][0]


def _blocks(lines: list[_Line], body: float) -> list[_Block]:
    all_bold = sum(len(ln.text) for ln in lines if ln.bold) > 0.8 * sum(len(ln.text) for ln in lines)
    blocks: list[_Block] = []
    prev: _Line | None = None
    for ln in lines:
        big = ln.size >= body * 1.12
        bold_head = ln.bold and not all_bold and len(ln.text) <= 120 and not ln.text.endswith(_SENTENCE_END[:3])
        item = ln.bullet or bool(_BULLET.match(ln.text))
        kind = "heading" if (big or bold_head) and not item else ("item" if item else "body")
        cur = blocks[-1] if blocks else None
        new = True
        if cur is not None and prev is not None and not item:
            same_style = abs(ln.size - prev.size) < 0.5 and (
                ln.bold == prev.bold or kind == "body" and cur.kind != "heading"
            )
            if ln.page == prev.page and prev.y - ln.y > 0:
                step = prev.y - ln.y
                new = step > 1.6 * max(ln.size, prev.size) or not same_style
                if cur.kind == "item" and ln.x0 < cur.lines[0].x0 - 0.5 * ln.size and not cur.lines[0].bullet:
                    new = new or ln.x0 < cur.lines[-1].x0 - 0.5 * ln.size
                elif cur.kind == "item" and cur.lines[0].bullet and ln.x0 < cur.lines[0].x0 - 0.5 * ln.size:
                    new = True
            else:  # a new page or column: the block goes on if it stopped mid-sentence
                new = (
                    cur.kind == "heading"
                    or kind == "heading"
                    or not same_style
                    or prev.text.endswith(_SENTENCE_END)
                    or (not ln.text[:1].islower() and not prev.text.endswith("-"))
                )
        if new:
            blocks.append(_Block([ln], kind))
        else:
            cur.lines.append(ln)
        prev = ln
    return blocks


_KEEP_HYPHEN = {"self", "well", "non", "anti", "ex", "multi", "semi", "so", "long", "short", "high", "low", "all"}
_WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")


def _vocabulary(lines: list[_Line]) -> set[str]:
    return {w.lower() for ln in lines for w in _WORD.findall(ln.text)}


def _keeps_hyphen(before: str, after: str, vocab: set[str]) -> bool:
    """A line ending in "anti-" before "sickness": a compound (keep the hyphen) or a split word (drop it)?
    The document's own words decide; else a few prefixes that take a hyphen; else the word is joined."""
    a = (_WORD.findall(before) or [""])[-1].lower()
    b = (_WORD.findall(after) or [""])[0].lower()
    if f"{a}-{b}" in vocab:
        return True
    if f"{a}{b}" in vocab:
        return False
    return a.rsplit("-", 1)[-1] in _KEEP_HYPHEN


def _join(lines: list[_Line], vocab: set[str] = frozenset()) -> tuple[str, list[tuple[int, int]]]:
    """The lines of a block as one paragraph (hyphenated words joined) and where each page starts in it."""
    text = ""
    starts: list[tuple[int, int]] = []
    for ln in lines:
        piece = ln.text
        if not starts or starts[-1][1] != ln.page:
            starts.append((len(text) + (1 if text and not text.endswith("-") else 0), ln.page))
        if not text:
            text = piece
        elif re.search(r"[^\W\d_]-$", text) and piece[:1].islower():
            text = (text if _keeps_hyphen(text[:-1], piece, vocab) else text[:-1]) + piece
        else:
            text += " " + piece
    if starts:
        starts[0] = (0, starts[0][1])
    return text, starts


def _structure(lines: list[_Line], meta_title: str) -> tuple[str, list[Section]]:
    body = _body_size(lines)
    blocks = _blocks(lines, body)
    vocab = _vocabulary(lines)
    title = ""
    first_page = [b for b in blocks if b.page == lines[0].page]
    if first_page:
        top = max(first_page, key=lambda b: b.size)
        if top.kind == "heading" and top.size >= body * 1.12:
            title = _join(top.lines)[0]
            blocks.remove(top)
    if not title:
        title = meta_title
    head_sizes = sorted({round(b.size * 2) / 2 for b in blocks if b.kind == "heading"}, reverse=True)
    top_size = head_sizes[0] if head_sizes else 0.0
    own_title = title_key(title)

    sections: list[Section] = []
    heading, h2 = "", ""
    parts: list[tuple[str, list[tuple[int, int]], str]] = []  # (text, page starts, kind)

    def flush() -> None:
        if not parts:
            return
        text = ""
        starts: list[tuple[int, int]] = []
        for i, (ptext, pstarts, kind) in enumerate(parts):
            if i:
                text += "\n" if kind == "item" and parts[i - 1][2] == "item" else "\n\n"
            starts += [(len(text) + off, page) for off, page in pstarts]
            text += ptext
        dedup: list[tuple[int, int]] = []
        for off, page in starts:
            if not dedup or dedup[-1][1] != page:
                dedup.append((off, page))
        sections.append(Section(heading, text, tuple(dedup)))
        parts.clear()

    for b in blocks:
        text, starts = _join(b.lines, vocab)
        if b.kind == "heading":
            if title_key(text) == own_title:
                continue
            flush()
            if round(b.size * 2) / 2 >= top_size:
                heading = h2 = text
            else:
                heading = nest_heading(h2, text)
            continue
        if b.kind == "item":
            text = "- " + _BULLET.sub("", text, count=1) if not b.lines[0].bullet else "- " + text
        parts.append((text, starts, b.kind))
    flush()
    return title, [s for s in sections if s.text.strip()]
