"""Read article files (.txt, .md, .html, .mhtml, .pdf, .docx) and clean them into an `Article`: title,
sections, url. Saved web pages, PDFs and Word documents have their own readers (html_reader, pdf,
docx_reader).

Pure functions: no store, no model. Every failure is an `ArticleError` whose message is the
reason shown to the user; nothing else escapes `read_article`.
"""

from __future__ import annotations

import errno
import hashlib
import os
import re
import stat
from pathlib import Path

import charset_normalizer
import frontmatter
import yaml
from markdown_it import MarkdownIt

from ..errors import ArticleError
from ..text import LIST_MARKER, SECTION_SEP, one_line, title_key
from ..types import Article, Section, file_format
from .docx_reader import OLD_WORD, parse_docx
from .html_reader import html_from_mhtml, parse_html

SUPPORTED_EXTENSIONS = (".txt", ".md", ".markdown", ".html", ".htm", ".mhtml", ".mht", ".pdf", ".docx")
SKIPPED_EXTENSIONS = {".doc": OLD_WORD}
"""Formats recognised but not read: the scan lists them as skipped with this reason (not as unsupported)."""
MAX_FILE_BYTES = 50 * 1024 * 1024
PARSER_VERSION = "2"
TEXT_PARSER_VERSION = "2"
"""Of the .txt reader alone (in the fingerprint of .txt files only): 2 reads a heading line followed directly
by its text, so a store re-reads its .txt articles once and no other file."""

_NAV_LINE = re.compile(r"^\s*(<<|>>)\s*:")
_SOURCE_LINE = re.compile(r"^\s*Source:\s*(\S+)\s*$", re.IGNORECASE)
_TOPIC_LINE = re.compile(r"^(?P<topic>[^:\n]{2,150}?)(?:\s*\((?P<question>[^()]{3,200})\))?\s*:\s+(?P<body>\S.*)$", re.S)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_TEASER_END = re.compile(r"(\.\.\.|…)\s*$")


OUTSIDE = "link points outside the folder"
"""The reason a symbolic link whose target is outside the ingested folder is skipped."""
LINK_LOOP = "link loop: the link leads back to itself"
"""The reason a symbolic link that never reaches a file (a -> b -> a, or a -> a) is skipped."""
NOT_A_FILE = "not a regular file (a named pipe, socket or device): never read"
"""The reason a special file (a FIFO named x.txt) is skipped: opening it could block the ingest."""


def link_problem(path: Path, root: Path) -> str | None:
    """Why the symbolic link `path` is not followed (a loop, or a target outside `root`); None when
    `path` is no link or one that stays inside the folder."""
    if not path.is_symlink():
        return None
    try:
        target = path.resolve()
    except RuntimeError:  # Python < 3.13: "Symlink loop from ..."
        return LINK_LOOP
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return LINK_LOOP
        return f"cannot follow the link: {exc.strerror or exc}"
    return None if target.is_relative_to(root) else OUTSIDE


def read_file(path: Path, root: Path, max_bytes: int = MAX_FILE_BYTES) -> bytes:
    """The bytes of an article file inside `root` (resolved). Raises ArticleError: a link whose target
    is outside the folder, or a loop, is never followed; a file over the size limit, or one that is
    not a regular file (a FIFO: opening it for reading would wait for a writer), is not read."""
    problem = link_problem(path, root)
    if problem:
        raise ArticleError(problem)
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))  # a FIFO opened so returns at once
        with open(fd, "rb") as f:
            info = os.fstat(fd)
            if not stat.S_ISREG(info.st_mode):
                raise ArticleError(NOT_A_FILE)
            if info.st_size > max_bytes:
                raise ArticleError(
                    f"file is too large ({info.st_size / 2**20:.1f} MB > {max_bytes / 2**20:g} MB, "
                    "the ASSISTANT_MAX_FILE_MB limit)"
                )
            data = f.read(max_bytes + 1)  # the file may have grown since the stat
    except OSError as exc:
        raise ArticleError(f"cannot read file: {exc.strerror or exc}") from exc
    if len(data) > max_bytes:
        raise ArticleError(f"file is too large (> {max_bytes / 2**20:g} MB, the ASSISTANT_MAX_FILE_MB limit)")
    return data


def read_article(path: Path, root: Path, max_bytes: int = MAX_FILE_BYTES) -> Article:
    """Parse one file into an Article. Raises ArticleError with the reason on any problem."""
    data = read_file(path, root, max_bytes)
    source = path.relative_to(root).as_posix()
    return parse_article(data, source=source, root=str(root), max_bytes=max_bytes)


def parse_article(data: bytes, source: str, root: str = "", max_bytes: int = MAX_FILE_BYTES) -> Article:
    """Parse the bytes of an article named `source` (its extension picks the format). `max_bytes` is
    the file size limit (a .docx may unpack to 2x that + 8 MB and hold no more text than that)."""
    ext = Path(source).suffix.lower()
    if ext in SKIPPED_EXTENSIONS:
        raise ArticleError(SKIPPED_EXTENSIONS[ext])
    if ext not in SUPPORTED_EXTENSIONS:
        raise ArticleError(f"unsupported file type {ext or '(none)'!r}")
    if ext == ".pdf":  # binary: never through decode()
        return _pdf_article(data, source, root)
    try:
        if ext == ".docx":  # a zip: its bytes are never decoded as text
            title, url, sections = parse_docx(data, max_bytes)
        elif ext in (".mhtml", ".mht"):
            html, charset = html_from_mhtml(data)
            title, url, sections = parse_html(_decode_as(html, charset))
        elif ext in (".md", ".markdown"):
            title, url, sections = _parse_markdown(decode(data))
        elif ext in (".html", ".htm"):
            title, url, sections = parse_html(decode(data))
        else:
            title, url, sections = _parse_text(decode(data))
    except RecursionError as exc:
        raise ArticleError("document is nested too deeply to parse") from exc
    sections = tuple(s for s in sections if s.text.strip())
    if not sections:
        raise ArticleError("no article text found after cleaning")
    title = _title(title, source)
    return Article(
        root=root,
        source=source,
        title=title,
        sections=sections,
        url=url,
        content_hash=hashlib.sha256(data).hexdigest(),
        format=file_format(source),
    )


def _pdf_article(data: bytes, source: str, root: str) -> Article:
    from .pdf_reader import parse_pdf  # PDFium is loaded only when a PDF is read

    if not data.strip():
        raise ArticleError("file is empty")
    doc = parse_pdf(data)
    sections = tuple(s for s in doc.sections if s.text.strip())
    if not sections:
        raise ArticleError("no article text found after cleaning")
    return Article(
        root=root,
        source=source,
        title=_title(doc.title, source),
        sections=sections,
        url=None,
        content_hash=hashlib.sha256(data).hexdigest(),
        format="pdf",
        pages=doc.pages,
    )


def _decode_as(data: bytes, charset: str | None) -> str:
    """`data` in the charset a MIME part declares, else as any text file."""
    if charset:
        try:
            return decode(data.decode(charset).encode("utf-8"))
        except (LookupError, UnicodeDecodeError):
            pass
    return decode(data)


def decode(data: bytes) -> str:
    """Bytes -> clean str with LF line endings. Raises ArticleError for empty or binary data."""
    if not data.strip():
        raise ArticleError("file is empty")
    text: str | None = None
    for bom, codec in ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16")):
        if data.startswith(bom):
            try:
                text = data.decode(codec)
            except UnicodeDecodeError as exc:
                raise ArticleError(f"invalid {codec} text: {exc.reason}") from exc
            break
    if text is None:
        if b"\x00" in data[:8192]:
            raise ArticleError("binary file (contains NUL bytes), not text")
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            best = charset_normalizer.from_bytes(data[:1_000_000]).best()
            if best is None or best.encoding is None or best.chaos > 0.2:
                raise ArticleError("not valid UTF-8 text and no other text encoding fits") from None
            text = data.decode(best.encoding, errors="replace")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if len(_CONTROL.findall(text[:100_000])) > 0.05 * min(len(text), 100_000):
        raise ArticleError("binary file (mostly control characters), not text")
    text = _CONTROL.sub("", text).replace("\u00a0", " ")
    if not text.strip():
        raise ArticleError("file has no text")
    return text


# --- plain text (including raw pages scraped from a health site) --------------------------


def _parse_text(text: str) -> tuple[str, str | None, list[Section]]:
    lines = [ln.rstrip() for ln in text.split("\n")]
    lines, url = _take_source_line(lines)
    lines = _drop_site_boilerplate(lines)
    paragraphs = _split_headings(_paragraphs(lines))
    if not paragraphs:
        return "", url, []

    title = ""
    first = paragraphs[0]
    if len(first) == 1 and _looks_like_title(first[0]):
        title = first[0].strip()
        key = title_key(title)
        paragraphs = paragraphs[1:]
        while paragraphs and len(paragraphs[0]) == 1 and title_key(paragraphs[0][0]) == key:
            paragraphs = paragraphs[1:]
    elif m := _TOPIC_LINE.match(" ".join(first).strip()):
        # "Topic: body ..." or "Topic (Question?): body ..." (one long line)
        title = m["topic"].strip()
        heading = (m["question"] or "").strip()
        body = m["body"].strip()
        rest = ["\n".join(p) for p in paragraphs[1:]]
        return title, url, [Section(heading, "\n\n".join([body, *rest]))]

    sections: list[Section] = []
    heading, body, pending = "", [], ""
    for i, para in enumerate(paragraphs):
        nxt = paragraphs[i + 1] if i + 1 < len(paragraphs) else None
        if len(para) == 1 and nxt is not None and _looks_like_heading(para[0]):
            if body:
                sections.append(Section(heading, "\n\n".join(body)))
                body, pending = [], ""
            elif heading:
                # a heading with no body of its own introduces the next one ("Kinds" > "Night cramps")
                pending = heading
            heading = f"{pending}{SECTION_SEP}{para[0].strip()}" if pending else para[0].strip()
            continue
        body.append("\n".join(p.strip() for p in para))
    if body:
        sections.append(Section(heading, "\n\n".join(body)))
    return title, url, sections


def _take_source_line(lines: list[str]) -> tuple[list[str], str | None]:
    """A trailing `Source: <url>` line becomes the article's url (`#` means none)."""
    idx = len(lines) - 1
    while idx >= 0 and not lines[idx].strip():
        idx -= 1
    if idx >= 0 and (m := _SOURCE_LINE.match(lines[idx])):
        value = m[1]
        url = value if re.match(r"^https?://", value, re.I) else None
        return lines[:idx], url
    return lines, None


def _drop_site_boilerplate(lines: list[str]) -> list[str]:
    """Cut the trailing Recommend block of teasers and the site navigation (`<<:` / `>>:` lines) in the
    block just before it (or at the end of the file). A line in the article that merely starts that way,
    with article text after it, is kept."""
    end = len(lines)
    for i, line in enumerate(lines):
        if line.strip().lower() in ("recommend", "recommended", "related articles", "you may also like"):
            tail = [ln for ln in lines[i + 1 :] if ln.strip()]
            if tail and sum(bool(_TEASER_END.search(ln)) for ln in tail) >= max(1, len(tail) // 3):
                end = i
                break
    cut = end
    while cut > 0 and (not lines[cut - 1].strip() or _NAV_LINE.match(lines[cut - 1])):
        cut -= 1
    if any(_NAV_LINE.match(ln) for ln in lines[cut:end]):
        return lines[:cut]
    return lines[:end]


def _paragraphs(lines: list[str]) -> list[list[str]]:
    paragraphs: list[list[str]] = []
    current: list[str] = []
    for line in lines:
        if line.strip():
            current.append(line)
        elif current:
            paragraphs.append(current)
            current = []
    if current:
        paragraphs.append(current)
    return paragraphs


def _split_headings(paragraphs: list[list[str]]) -> list[list[str]]:
    """A paragraph that opens with a heading line followed directly by its text (no blank line between,
    as many people type and many sites copy out) split into the heading and the text, so it reads as the
    blank-line form does. The line is a heading when it looks like one, the next line opens a sentence or
    a list item, and the break was typed, not made by wrapping: the next line's first word would have fit
    on it within the file's longest line (a question mark ends a heading whatever the width)."""
    width = max((len(ln.strip()) for para in paragraphs for ln in para), default=0)
    out: list[list[str]] = []
    for para in paragraphs:
        if len(para) > 1 and _heading_line(para[0], para[1], width):
            out += [para[:1], para[1:]]
        else:
            out.append(para)
    return out


def _heading_line(line: str, following: str, width: int) -> bool:
    """Whether `line`, followed directly by `following` in a paragraph, is a heading of its own."""
    head, nxt = line.strip(), following.strip()
    if not _looks_like_heading(head) or not nxt:
        return False
    if not (nxt[0].isupper() or nxt[0].isdigit() or nxt[0] in "\"'“‘(" or LIST_MARKER.match(nxt)):
        return False  # a wrapped sentence goes on in lower case
    return head.endswith("?") or len(head) + 1 + len(nxt.split()[0]) <= width


def _looks_like_title(line: str) -> bool:
    s = line.strip()
    return 0 < len(s) <= 150 and len(s.split()) <= 20 and not s.endswith((".", ",", ";", ":")) and not LIST_MARKER.match(s)


def _looks_like_heading(line: str) -> bool:
    s = line.strip()
    return (
        0 < len(s) <= 90
        and len(s.split()) <= 14
        and not s.endswith((".", ",", ";", ":", "..."))
        and not LIST_MARKER.match(s)
        and (s[0].isupper() or s[0].isdigit())
    )


# --- Markdown ----------------------------------------------------------------------------

_md = MarkdownIt("commonmark")


def _parse_markdown(text: str) -> tuple[str, str | None, list[Section]]:
    meta: dict[str, object] = {}
    body = text
    if text.lstrip().startswith("---"):
        try:
            post = frontmatter.loads(text)
            meta, body = dict(post.metadata), post.content
        except (yaml.YAMLError, ValueError, TypeError):
            # broken front matter: drop the block if it is closed, keep the text
            m = re.match(r"^\s*---\n.*?\n---\s*\n", text, re.S)
            body = text[m.end() :] if m else text
    title = _meta_str(meta.get("title"))
    url = _meta_str(meta.get("url")) or None

    lines = body.split("\n")
    headings: list[tuple[int, int, int, str]] = []  # (start line, end line, level, text)
    tokens = _md.parse(body)
    for i, tok in enumerate(tokens):
        if tok.type == "heading_open" and tok.map:
            inline = tokens[i + 1].content if i + 1 < len(tokens) else ""
            headings.append((tok.map[0], tok.map[1], int(tok.tag[1]), inline.strip()))

    sections: list[Section] = []
    stack: dict[int, str] = {}
    heading = ""
    cursor = 0
    for start, end, level, htext in headings:
        chunk = "\n".join(lines[cursor:start]).strip()
        if chunk:
            sections.append(Section(heading, _clean_block(chunk)))
        cursor = end
        if level == 1 and not title:
            title = htext
        if level == 1 and title_key(htext) == title_key(title):
            heading = ""
            stack.clear()
            continue
        stack = {lv: t for lv, t in stack.items() if lv < level}
        stack[level] = htext
        heading = SECTION_SEP.join(stack[lv] for lv in sorted(stack) if lv > 1 or len(stack) == 1)
    tail = "\n".join(lines[cursor:]).strip()
    if tail:
        sections.append(Section(heading, _clean_block(tail)))
    return title, url, sections


def _meta_str(value: object) -> str:
    return str(value).strip() if isinstance(value, str | int | float) else ""


def _clean_block(text: str) -> str:
    text = re.sub(r"\n{3,}", "\n\n", text)
    return "\n".join(line.rstrip() for line in text.split("\n")).strip()


# --- helpers -----------------------------------------------------------------------------


def _title(text: str | None, source: str) -> str:
    """The article's title on one line (at most 200 characters), else one made from the file name."""
    return one_line(text or "")[:200] or _title_from_name(source)


def _title_from_name(source: str) -> str:
    stem = Path(source).stem
    return re.sub(r"[-_]+", " ", stem).strip().capitalize() or source
