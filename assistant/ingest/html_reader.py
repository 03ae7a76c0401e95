"""Read an HTML page (also one saved from a browser) into title, url and sections.

Two steps:
1. Which text is the article: trafilatura (made for this job) picks the page's main content, so
   cookie banners, menus in plain <div>s, "related articles", newsletter boxes, comment threads,
   share bars and sidebars are left out. A page it finds nothing in is read whole.
2. Its structure, from the page itself: the title from <h1> (else <title> without a trailing
   "| Site name"), the canonical link as url, <h2>/<h3>/<h4> as sections (`h2 › h3`), list items as
   `- item` lines (`1. item` in an <ol>), a data table row as `cell | cell`; text sitting directly in a <div> is a paragraph.

Only the blocks whose text trafilatura kept are read, in the page's order; a heading is kept when
its section keeps some text. `python -m assistant.eval.pages` compares this with the rules alone
and with other extractors on the saved-page fixtures.
"""

from __future__ import annotations

import logging
import re

from bs4 import BeautifulSoup, NavigableString, Tag

from ..errors import ArticleError
from ..text import nest_heading, title_key
from ..types import Section

log = logging.getLogger(__name__)

_DROP_TAGS = tuple("script style nav footer aside noscript form iframe template svg button dialog select".split())
HTML_PARSER_VERSION = "3"
"""Part of the fingerprint of HTML pages only (.html, .htm, .mhtml, .mht), so a store re-reads its pages once
and no other file when it changes: 1 numbers the items of an <ol> ("1. Lean forward"); 2 drops a kicker above
the title (MAX_KICKER_WORDS); 3 keeps a sentence above the title and anything after it."""
MAX_KICKER_WORDS = 8
"""Text before the page's own <h1> title (its first) of at most this many words, with no sentence in it, is a
kicker or a breadcrumb ("Summer health", "Health A-Z › Skin"): page chrome, not the article's opening. More, or a
sentence ("Call 999 if someone stops breathing."), is read as the article's."""
_SENTENCE_END = re.compile(r"[.!?](?:\s|$)")

_BLOCK_TAGS = ("p", "li", "pre", "blockquote", "dt", "dd", "td", "th", "figcaption", "summary")
_HEADINGS = ("h1", "h2", "h3", "h4")
_INLINE = set(
    "a abbr b bdi bdo br cite code data del dfn em font i img ins kbd mark q s samp small span strong sub sup time u var wbr".split()
)
_CHROME = re.compile(
    r"(?<![a-z])(ad|ads|advert\w*|banner|breadcrumbs?|byline|comments?|comment-list|consent|cookies?|disqus|"
    r"copyright|feedback|footer|menu|most-read|navbar|navigation|newsletter|pagination|pager|popular|popup|promo|"
    r"read-also|recommend\w*|related|replies|share|sharing|sidebar|signup|skip|social|sponsor\w*|"
    r"subscribe|tags|ticker|widget)(?![a-z])",
    re.I,
)
"""class or id words of page chrome (after readability's list of unlikely candidates)."""
_SITE_SUFFIX = re.compile(r"\s+[|\-–—·]\s+[^|\-–—·]{2,60}$")
"""A trailing " | Site name" (not ": subtitle")."""
_SPACE = re.compile(r"\s+")


def parse_html(text: str, main_content: bool = True) -> tuple[str, str | None, list[Section]]:
    """(title, url, sections) of an HTML page. `main_content=False`: the rules alone, without trafilatura."""
    soup = BeautifulSoup(text, "lxml")
    for tag in soup.find_all(_DROP_TAGS):  # first, so no script or menu text reaches the title either
        tag.decompose()
    if soup.find(attrs={"role": "dialog"}) is not None:
        for tag in soup.find_all(attrs={"role": "dialog"}):  # consent and sign-up pop-ups
            tag.decompose()
    title = _title(soup)
    url = None
    canonical = soup.find("link", rel="canonical")
    if canonical is not None and str(canonical.get("href", "")).startswith(("http://", "https://")):
        url = str(canonical["href"])
    for header in soup.find_all("header"):
        if header.find(["h1", "h2", "h3"]) is None:
            header.decompose()
    if soup.head is not None:
        soup.head.decompose()  # a page with a title and no body has no article text
    body = soup.body or soup
    _drop_chrome(body)
    _wrap_loose_text(soup, body)
    keep = _main_text(text) if main_content and len(text) <= MAIN_CONTENT_MAX_CHARS else None
    if keep is not None:
        body = _article_container(body, keep)
    sections = _sections(body, title, keep)
    if keep is not None and not sections:  # nothing of what trafilatura kept matched a block
        sections = _sections(body, title, None)
    return title, url, sections


def html_from_mhtml(data: bytes) -> tuple[bytes, str | None]:
    """The page of a .mhtml/.mht file (a page saved as one file: MIME multipart, usually quoted-printable):
    the bytes of its first text/html part and the charset it declares (Chromium declares none: the
    page's own <meta charset> holds). Raises ArticleError when there is none."""
    import email
    import email.policy

    if not data.strip():
        raise ArticleError("file is empty")
    try:
        message = email.message_from_bytes(data, policy=email.policy.compat32)
        for part in message.walk():
            if part.get_content_type() == "text/html":
                html = part.get_payload(decode=True)  # quoted-printable or base64 undone
                if isinstance(html, bytes) and html.strip():
                    return html, part.get_content_charset()
    except (LookupError, ValueError, TypeError, AttributeError) as exc:  # a broken part
        raise ArticleError(f"damaged saved page (.mhtml): {exc}") from exc
    raise ArticleError("saved page (.mhtml) has no HTML part")


def _drop_chrome(body: Tag) -> None:
    """Remove elements whose class or id names them as chrome (a share bar, a cookie notice, "related
    articles", a comment thread), unless they hold the <h1> or half of the page's text."""
    total = len(body.get_text(" ", strip=True)) or 1
    for el in body.find_all(True):
        if el.parent is None or el.name in ("body", "html", "main", "article"):
            continue  # already removed with an ancestor; the document's own containers stay
        attrs = getattr(el, "attrs", None) or {}
        words = " ".join([*attrs.get("class", []), str(attrs.get("id", ""))]) if attrs else ""
        if not words or not _CHROME.search(words):
            continue
        if el.find("h1") is not None or len(el.get_text(" ", strip=True)) > total / 2:
            continue
        el.decompose()


def _title(soup: BeautifulSoup) -> str:
    if (h1 := soup.find("h1")) is not None and (title := h1.get_text(" ", strip=True)):
        return title
    if soup.title is not None:
        title = soup.title.get_text(" ", strip=True)
        short = _SITE_SUFFIX.sub("", title)
        return short if len(short) >= 3 else title
    return ""


def _key(text: str) -> str:
    """Text without any whitespace: what is compared with trafilatura's output (the two put spaces
    between inline elements differently)."""
    return _SPACE.sub("", text.replace("\u00a0", ""))


class _Kept:
    """The text trafilatura kept: its lines (list markers and table bars removed) and all of it."""

    def __init__(self, extracted: str):
        self.lines: set[str] = set()
        for line in extracted.split("\n"):
            line = line.strip()
            if line.startswith("|"):
                self.lines.update(_key(cell) for cell in line.strip("|").split("|"))
            self.lines.add(_key(re.sub(r"^[-*•]\s+", "", line)))
        self.lines.discard("")
        self.all = _key(extracted)

    def __contains__(self, text: str) -> bool:
        key = _key(text)
        return key in self.lines or (len(key) >= 30 and key in self.all)


MAIN_CONTENT_MAX_CHARS = 5_000_000
"""Longer pages are read with the rules alone: trafilatura takes about 1 s and 50 MB of memory per MB of
HTML (an 11 MB page: 11 s and 640 MB peak instead of 5 s and 310 MB), and a page saved from a browser is
far smaller (the fixtures: 3 kB of HTML, 3.8 ms each)."""
RECALL = True
"""trafilatura's favor_recall: it keeps a list its default drops (fixture 04); the container and class
rules take out the chrome it lets in."""


def _main_text(html: str) -> _Kept | None:
    """What trafilatura takes as the page's main content; None when it finds none (read everything)."""
    import trafilatura

    try:
        extracted = trafilatura.extract(html, include_comments=False, include_tables=True, favor_recall=RECALL)
    except (ValueError, TypeError, RecursionError, LookupError) as exc:  # never let it sink the article
        log.warning("main-content extraction failed (%s); reading the whole page", exc)
        return None
    if not extracted or not extracted.strip():
        return None
    return _Kept(extracted)


ARTICLE_SHARE = 0.8
ARTICLE_TOTAL_SHARE = 0.7
"""The article's container: the deepest element holding ARTICLE_SHARE of its parent's kept text and
ARTICLE_TOTAL_SHARE of all the text trafilatura kept."""


def _article_container(body: Tag, keep: _Kept) -> Tag:
    """The deepest element that holds most of the kept text (see ARTICLE_SHARE): what trafilatura kept outside it
    (a layout table's header and menu cells, a site footer next to the article) is left out."""
    kept: dict[int, int] = {}
    total = 0
    for el in body.find_all(_BLOCK_TAGS):
        if (el.find_parent(_BLOCK_TAGS) is not None and not _in_layout_cell(el)) or (
            el.name in ("td", "th") and _has_blocks(el)
        ):
            continue
        text = el.get_text(" ", strip=True)
        if not text or text not in keep:
            continue
        total += len(text)
        for parent in el.parents:
            kept[id(parent)] = kept.get(id(parent), 0) + len(text)
            if parent is body:
                break
    if not total:
        return body
    node = body
    while True:
        here = kept.get(id(node), total)
        inner = [
            c
            for c in node.find_all(True, recursive=False)
            if kept.get(id(c), 0) >= max(ARTICLE_SHARE * here, ARTICLE_TOTAL_SHARE * total)
        ]
        if not inner:
            return node
        node = inner[0]


def _wrap_loose_text(soup: BeautifulSoup, body: Tag) -> None:
    """Text directly inside a <div> (or a layout table cell) becomes a paragraph; <br><br> splits it."""
    containers = [
        el
        for el in body.find_all(["div", "section", "article", "main", "header", "td", "th", "center"])
        if el.name not in ("td", "th") or _has_blocks(el)
    ]  # a cell of text is a block already
    containers.append(body)
    for el in containers:
        run: list = []
        for child in list(el.children):
            if isinstance(child, NavigableString) or (isinstance(child, Tag) and child.name in _INLINE):
                run.append(child)
                continue
            _wrap(soup, run)
            run = []
        _wrap(soup, run)


def _has_blocks(el: Tag) -> bool:
    return el.find([*_BLOCK_TAGS, *_HEADINGS, "div", "table", "ul", "ol", "tr"]) is not None


def _wrap(soup: BeautifulSoup, run: list) -> None:
    if not run or not "".join(c.get_text() if isinstance(c, Tag) else str(c) for c in run).strip():
        return
    paragraphs: list[list] = [[]]
    for i, node in enumerate(run):  # <br><br> ends a paragraph
        if isinstance(node, Tag) and node.name == "br" and i + 1 < len(run) and _is_br(run, i + 1):
            paragraphs.append([])
        elif not (isinstance(node, Tag) and node.name == "br"):
            paragraphs[-1].append(node)
    for nodes in paragraphs:
        if not nodes:
            continue
        p = soup.new_tag("p")
        nodes[0].insert_before(p)
        for node in nodes:
            p.append(node.extract())
    for node in run:
        if isinstance(node, Tag) and node.name == "br" and node.parent is not None:
            node.decompose()


def _list_marker(li: Tag, numbers: dict[int, str]) -> str:
    """The item's marker: "3." for the third item of an ordered list (<ol>, counted from its `start`), else
    "-". A numbered procedure keeps its numbers. `numbers` (by id of the <li>) is filled for a whole list at its
    first item, so a long list is counted once, not once per item."""
    parent = li.parent
    if not isinstance(parent, Tag) or parent.name != "ol":
        return "-"
    if id(li) not in numbers:
        try:
            start = int(str(parent.get("start", "1")).strip())
        except ValueError:
            start = 1
        for index, item in enumerate(parent.find_all("li", recursive=False)):
            numbers[id(item)] = f"{start + index}."
    return numbers[id(li)]


def _is_br(run: list, i: int) -> bool:
    while i < len(run) and isinstance(run[i], NavigableString) and not run[i].strip():
        i += 1
    return i < len(run) and isinstance(run[i], Tag) and run[i].name == "br"


def _sections(body: Tag, title: str, keep: _Kept | None) -> list[Section]:
    sections: list[Section] = []
    heading, parts = "", []
    h2 = ""
    own_title = title_key(title)
    taken: set[int] = set()
    numbers: dict[int, str] = {}  # the markers of <ol> items (_list_marker)
    titled = False  # the page's own title (<h1>) has been read: nothing after it is a kicker
    for el in body.find_all([*_HEADINGS, *_BLOCK_TAGS, "tr"]):
        if el.name in ("td", "th") and (id(el) in taken or _has_blocks(el)):
            continue  # taken with its row, or a layout cell whose blocks are read one by one
        if el.find_parent(_BLOCK_TAGS) is not None and not _in_layout_cell(el):
            continue  # text already taken with its enclosing block
        if el.name == "tr":
            cells = el.find_all(["td", "th"], recursive=False)
            if not cells or any(_has_blocks(c) for c in cells):
                continue
            content = " | ".join(c.get_text(" ", strip=True) for c in cells)
            taken.update(id(c) for c in cells)
            if keep is not None and not any(c in keep for c in content.split(" | ") if c.strip()):
                continue
        else:
            content = el.get_text(" ", strip=True)
        if not content.strip(" |"):
            continue
        if el.name in _HEADINGS:
            is_title = el.name == "h1" and title_key(content) == own_title
            kicker = (
                is_title
                and not titled
                and not sections
                and not heading
                and sum(len(p.split()) for p in parts) <= MAX_KICKER_WORDS
                and not any(_SENTENCE_END.search(p) for p in parts)
            )
            titled = titled or is_title
            if parts and not kicker:
                sections.append(Section(heading, "\n".join(parts)))
            parts = []
            if el.name == "h1":
                heading, h2 = ("" if is_title else content), ""
            elif el.name == "h2":
                heading = h2 = content
            else:
                heading = nest_heading(h2, content)
            continue
        if keep is not None and el.name != "tr" and content not in keep:
            continue
        if not sections and not parts and not heading and title_key(content) == own_title:
            continue  # the title set in a <div> or <b> above the text
        parts.append(f"{_list_marker(el, numbers)} {content}" if el.name == "li" else content)
    if parts:
        sections.append(Section(heading, "\n".join(parts)))
    if not sections and keep is None:
        loose = body.get_text("\n", strip=True)
        if loose:
            sections.append(Section("", loose))
    return sections


def _in_layout_cell(el: Tag) -> bool:
    """Inside a table cell that holds blocks (a page laid out with a table), not inside a real block."""
    parent = el.find_parent(_BLOCK_TAGS)
    return (
        parent is not None
        and parent.name in ("td", "th")
        and _has_blocks(parent)
        and (el.find_parent([b for b in _BLOCK_TAGS if b not in ("td", "th")]) is None)
    )
