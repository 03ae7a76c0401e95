"""The reader: the whole article behind a source link, its cited passage marked."""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import parse_qs, urlsplit

import gradio as gr

from ..errors import AssistantError
from ..types import page_label
from .render import ARTICLE_PARAM, article_html, article_key, escape_text

if TYPE_CHECKING:
    from ..assistant import Assistant


class Reader:
    """The handlers of the reader panel (a sidebar opened by a click on a source link, or by
    `?article=...` in the page address)."""

    def __init__(self, assistant: Assistant):
        self.assistant = assistant

    def open_article(self, href: str) -> str:
        """Reader HTML for a source link `?article=<key>&p=<position>`."""
        query = parse_qs(urlsplit(href or "").query)
        key = (query.get(ARTICLE_PARAM) or [""])[0]
        try:
            position = int((query.get("p") or ["-1"])[0])
        except ValueError:
            position = -1
        info = next((a for a in self.assistant.articles() if article_key(a.root, a.source) == key), None)
        if info is None:
            return '<p class="reader-note">This article is no longer in the store (it may have been deleted or re-synced).</p>'
        try:
            article = self.assistant.article(info.root, info.source)
        except AssistantError as exc:
            return f'<p class="reader-note">Cannot open {escape_text(info.source)}: {escape_text(str(exc))}</p>'
        chunk = next((c for c in self.assistant.chunks(info.root, info.source) if c.position == position), None)
        return article_html(article, section=chunk.section if chunk else None, passage=chunk.text if chunk else None,
                            pages=page_label(chunk.page, chunk.page_end) if chunk else "")

    def on_source_click(self, evt: gr.EventData):
        href = getattr(evt, "href", "") if evt is not None else ""
        return self.open_article(href), gr.Sidebar(open=True)

    def on_load(self, request: gr.Request):
        """`?article=...` in the page address opens that article (links opened in a new tab)."""
        params = dict(request.query_params) if request is not None else {}
        if params.get(ARTICLE_PARAM):
            href = "?" + "&".join(f"{k}={v}" for k, v in params.items() if k in (ARTICLE_PARAM, "p"))
            return self.open_article(href), gr.Sidebar(open=True)
        return gr.skip(), gr.skip()
