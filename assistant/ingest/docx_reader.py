"""Read a Word document (.docx) into title, sections and text, with python-docx.

python-docx rather than mammoth: it gives the paragraph styles (Heading 1-9, Title, List ...),
the document properties and the tables as objects, in body order, so the sections come straight
from the heading styles; mammoth converts to HTML, whose structure we would then parse again.

- title: the document properties' title, else the first Title-style paragraph, else the first
  heading (that paragraph is then not repeated as a section), else the file name;
- sections: Heading 1/2/3... paragraphs, nested as `Heading 1 › Heading 2` (the HTML reader's
  `title › section` convention); the text before the first heading is the untitled introduction;
- list paragraphs (a List style or Word numbering) become `- item` lines;
- a table becomes one `cell | cell` line per row (a merged cell once);
- page headers, footers, comments and text boxes are not read.

A .docx is a zip: before anything is unpacked, the sizes its directory declares are checked
against the file size limit (zipfile never unpacks more than a member declares), so a small file
that would unpack to gigabytes is refused with a reason.
"""

from __future__ import annotations

import io
import logging
import re
import zipfile

from ..errors import ArticleError
from ..text import nest_heading, one_line, title_key
from ..types import Section

log = logging.getLogger(__name__)

OLD_WORD = "old Word format: save it as .docx"
"""The reason a legacy .doc (an OLE compound file) is skipped."""
UNZIPPED_FACTOR = 2
UNZIPPED_ALLOWANCE = 8 * 2**20
"""A .docx may unpack to at most UNZIPPED_FACTOR times the file size limit plus UNZIPPED_ALLOWANCE (its XML
is verbose, and Word's style and theme parts alone unpack to about 1 MB). python-docx holds about 5 bytes
per byte of document.xml while it reads (56 MB of XML: 280 MB)."""

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_HEADING = re.compile(r"^heading\s*([1-9])$", re.I)


def parse_docx(data: bytes, max_bytes: int) -> tuple[str, str | None, list[Section]]:
    """(title, url, sections) of a .docx file's bytes. Raises ArticleError with the reason."""
    if not data.strip():
        raise ArticleError("file is empty")
    if data.startswith(_OLE_MAGIC):
        raise ArticleError(OLD_WORD)  # a .doc renamed to .docx
    _check_zip(data, max_bytes)
    import docx
    from docx.opc.exceptions import PackageNotFoundError
    from lxml.etree import LxmlError

    try:
        title, url, sections = _read(docx.Document(io.BytesIO(data)))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError, LxmlError, EOFError) as exc:
        raise ArticleError(f"damaged Word file: {_one_line(exc)}") from exc
    except RecursionError:
        raise
    except Exception as exc:  # noqa: BLE001 - a third-party parser on any file: the file is skipped, not the ingest
        log.warning("python-docx failed on a document: %r", exc)
        raise ArticleError(f"damaged Word file: {_one_line(exc)}") from exc
    chars = sum(len(s.heading) + len(s.text) for s in sections)
    if chars > max_bytes:  # the same bound on the text as a .txt file at the limit
        raise ArticleError(
            f"Word file holds {chars / 2**20:.0f} MB of text, more than the {max_bytes / 2**20:g} MB file size limit "
            "(ASSISTANT_MAX_FILE_MB)"
        )
    return title, url, sections


def _check_zip(data: bytes, max_bytes: int) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, ValueError, EOFError) as exc:
        raise ArticleError(f"damaged Word file (not a .docx zip archive): {_one_line(exc)}") from exc
    names = {m.filename for m in members}
    if "word/document.xml" not in names:
        raise ArticleError("not a Word document (the zip archive has no word/document.xml)")
    unzipped = sum(m.file_size for m in members)
    limit = UNZIPPED_FACTOR * max_bytes + UNZIPPED_ALLOWANCE
    if unzipped > limit:
        raise ArticleError(
            f"Word file unpacks to {unzipped / 2**20:.0f} MB, more than {UNZIPPED_FACTOR}× the "
            f"{max_bytes / 2**20:g} MB file size limit (ASSISTANT_MAX_FILE_MB) + {UNZIPPED_ALLOWANCE // 2**20} MB"
        )


def _read(document) -> tuple[str, str | None, list[Section]]:
    from docx.table import Table

    title = _properties_title(document)
    title_level = 0  # the heading level that gave the title (its text is not repeated as a section)
    blocks: list[tuple[str, int, str]] = []  # (kind, heading level, text); kind: heading/para/item/row
    styles: dict[str | None, tuple[str, int]] = {}  # style id -> (name, heading level): python-docx looks
    # a paragraph's style up anew on every access (10 s for 15,000 paragraphs), once per style here
    for item in document.iter_inner_content():
        if isinstance(item, Table):
            blocks += [("row", 0, row) for row in _table_rows(item)]
            continue
        text = _clean(item.text)
        if not text:
            continue
        style_id = item._p.style
        if style_id not in styles:
            styles[style_id] = (_style_name(item), _heading_level(item))
        style, level = styles[style_id]
        if style == "title":
            if not title:
                title, title_level = text, -1
                continue
            blocks.append(("heading", 1, text))
        elif level:
            blocks.append(("heading", level, text))
        elif style.startswith("list") or _numbered(item):
            blocks.append(("item", 0, text))
        else:
            blocks.append(("para", 0, text))
    if not title:
        first = next((b for b in blocks if b[0] == "heading"), None)
        if first is not None:
            title, title_level = first[2], first[1]
            blocks.remove(first)
    return title, None, _sections(blocks, title, title_level)


def _properties_title(document) -> str:
    """The title in the document properties, "" when it has none. A file without a properties part must not
    be asked for one: python-docx then makes its default part, titled "Word Document"."""
    from docx.opc.constants import RELATIONSHIP_TYPE

    try:
        document.part.package.part_related_by(RELATIONSHIP_TYPE.CORE_PROPERTIES)
    except KeyError:
        return ""
    return (document.core_properties.title or "").strip()


def _sections(blocks: list[tuple[str, int, str]], title: str, title_level: int) -> list[Section]:
    sections: list[Section] = []
    stack: dict[int, str] = {}
    heading, parts = "", []
    last_kind = ""
    for kind, level, text in blocks:
        if kind == "heading":
            if parts:
                sections.append(Section(heading, "".join(parts).strip()))
                parts, last_kind = [], ""
            if level <= title_level or (level == 1 and title_key(text) == title_key(title)):
                stack.clear()  # the title again, or a heading at its level: back to the introduction
                heading = "" if title_key(text) == title_key(title) else text
                if heading:
                    stack[level] = heading
                continue
            stack = {lv: t for lv, t in stack.items() if lv < level}
            stack[level] = text
            heading = nest_heading(*(stack[lv] for lv in sorted(stack)))
            continue
        line = f"- {text}" if kind == "item" else text
        joined = kind in ("item", "row") and kind == last_kind
        parts.append(("\n" if joined else "\n\n") + line if parts else line)
        last_kind = kind
    if parts:
        sections.append(Section(heading, "".join(parts).strip()))
    return sections


def _style_name(paragraph) -> str:
    try:
        return (paragraph.style.name or "").strip().lower() if paragraph.style is not None else ""
    except (KeyError, ValueError, AttributeError):
        return ""


def _heading_level(paragraph) -> int:
    """1-9 for a Heading style (or a style based on one), else 0."""
    try:
        style = paragraph.style
        for _ in range(5):  # a custom style based on a heading style
            if style is None:
                return 0
            if m := _HEADING.match((style.name or "").strip()):
                return int(m[1])
            style = style.base_style
    except (KeyError, ValueError, AttributeError):
        return 0
    return 0


def _numbered(paragraph) -> bool:
    p_pr = paragraph._p.pPr
    return p_pr is not None and p_pr.numPr is not None


def _table_rows(table) -> list[str]:
    rows = []
    for row in table.rows:
        cells: list[str] = []
        seen: set[int] = set()
        for cell in row.cells:
            if id(cell._tc) in seen:  # a merged cell is repeated for every grid column it spans
                continue
            seen.add(id(cell._tc))
            cells.append(_clean(cell.text))
        if any(cells):
            rows.append(" | ".join(cells))
    return rows


def _clean(text: str) -> str:
    text = text.replace("\u00a0", " ").replace("\t", " ")
    lines = (re.sub(r"[ ]{2,}", " ", ln).strip() for ln in text.split("\n"))
    return " ".join(ln for ln in lines if ln)


def _one_line(exc: BaseException) -> str:
    return one_line(str(exc) or type(exc).__name__)[:200]
