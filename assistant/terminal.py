"""An answer for the command line: its Markdown rendered for a terminal (bold, lists, links as text, with
ANSI styles) when the output is one, as plain text (no Markdown syntax, no escape codes) otherwise."""

from __future__ import annotations

import os
import re
from typing import IO

from markdown_it import MarkdownIt
from markdown_it.token import Token

from .types import Answer

_md = MarkdownIt("commonmark")
_STYLES = {"strong": ("\x1b[1m", "\x1b[22m"), "em": ("\x1b[3m", "\x1b[23m")}
"""ANSI on/off codes: bold, italic (each turned off on its own, so they nest)."""


def styled_output(stream: IO[str]) -> bool:
    """Whether to style what goes to `stream`: a terminal, not a dumb one, and NO_COLOR (no-color.org) unset."""
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty()) and os.environ.get("TERM") != "dumb" and not os.environ.get("NO_COLOR")


def answer_text(answer: Answer, *, styled: bool) -> str:
    """The answer as the command line prints it: its text rendered, then its notes and sources."""
    return f"{markdown_text(answer.text, styled=styled)}\n\n" + "\n".join(answer.footer_lines()) + "\n"


def markdown_text(markdown: str, *, styled: bool) -> str:
    """Markdown as text for a terminal: paragraphs and list items on their own lines (numbered items keep
    their numbers, bullets become "•" when styled, "-" when not), the answer's line breaks kept, a link as
    its text and its address, bold and italic as ANSI styles (styled) or as plain text."""
    out: list[str] = []
    lists: list[list] = []  # [ordered, next number] per open list
    marker = ""  # the item marker waiting for the item's first line
    quote = 0
    heading = False
    for tok in _md.parse(markdown):
        kind = tok.type
        if kind in ("bullet_list_open", "ordered_list_open"):
            if not lists and out and out[-1]:
                out.append("")
            lists.append([kind == "ordered_list_open", int(tok.attrGet("start") or 1)])
        elif kind in ("bullet_list_close", "ordered_list_close"):
            lists.pop()
        elif kind == "list_item_open":
            ordered, number = lists[-1]
            marker = f"{number}. " if ordered else ("• " if styled else "- ")
            lists[-1][1] += 1
        elif kind in ("blockquote_open", "blockquote_close"):
            quote += 1 if kind == "blockquote_open" else -1
        elif kind in ("heading_open", "heading_close"):
            heading = kind == "heading_open"
            if heading and out and out[-1]:
                out.append("")
        elif kind == "paragraph_open" and not tok.hidden and out and out[-1]:
            out.append("")  # a blank line between blocks (not between the items of a tight list)
        elif kind in ("inline", "fence", "code_block", "html_block", "hr"):
            text = _block_text(tok, styled)
            if heading and styled:
                text = _STYLES["strong"][0] + text + _STYLES["strong"][1]
            pad = "   " * max(len(lists) - 1, 0)
            for i, line in enumerate(text.split("\n")):
                lead = marker if i == 0 else " " * len(marker) if lists else ""
                out.append("│ " * quote + pad + lead + line)
            marker = ""
    return re.sub(r"\n{3,}", "\n\n", "\n".join(out)).strip("\n")


def _block_text(tok: Token, styled: bool) -> str:
    if tok.type == "inline":
        return _inline(tok.children or [], styled)
    if tok.type == "hr":
        return "―" * 20
    if tok.type in ("fence", "code_block"):
        return "\n".join("    " + line for line in tok.content.rstrip("\n").split("\n"))
    return tok.content.rstrip("\n")


def _inline(children: list[Token], styled: bool) -> str:
    parts: list[str] = []
    links: list[tuple[str, int]] = []  # (address, where its text starts in parts)
    for child in children:
        kind = child.type
        if kind in ("text", "code_inline", "html_inline"):
            parts.append(child.content)
        elif kind in ("softbreak", "hardbreak"):
            parts.append("\n")
        elif kind == "image":
            parts.append(child.content)
        elif kind == "link_open":
            links.append((str(child.attrGet("href") or ""), len(parts)))
        elif kind == "link_close" and links:
            href, start = links.pop()
            if href and href != "".join(parts[start:]):
                parts.append(f" ({href})")
        elif kind.endswith(("_open", "_close")) and kind.rsplit("_", 1)[0] in _STYLES:
            if styled:
                on, off = _STYLES[kind.rsplit("_", 1)[0]]
                parts.append(on if kind.endswith("_open") else off)
    return "".join(parts)


__all__ = ["answer_text", "markdown_text", "styled_output"]
