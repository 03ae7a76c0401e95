"""The app's tools for MCP clients (Claude Desktop, Cursor, ...): `search_articles`, `ask`, `get_article`.

Gradio's MCP server (`launch(mcp_server=True)`, see web/app.py) turns each registered function into a tool:
its name is the method name, its description and argument docs come from the docstring (one line per
argument), its input schema from the type hints. So the docstrings below are written for a model to read.
A bad argument raises `ToolError`, which the client receives as a tool error with a plain message.
"""

from __future__ import annotations

import difflib
import json
import logging
from dataclasses import dataclass
from pathlib import Path

import gradio as gr

from ..assistant import Assistant
from ..errors import AssistantError
from ..history import as_turns, message_text
from ..types import Answer, Article, ArticleInfo, Turn
from .render import answer_part, render_answer

log = logging.getLogger(__name__)

MAX_K = 20
"""Most passages one search_articles call returns."""
TOOL_NAMES = ("search_articles", "ask", "get_article")


class ToolError(gr.Error):
    """A tool call the assistant cannot serve (bad argument, unknown article): the message says why and
    what to do, and no stack trace is logged (it is the caller's mistake, not the app's)."""

    def __init__(self, message: str):
        super().__init__(message, title="Tool error", print_exception=False)

    def __str__(self) -> str:  # gr.Error gives repr(message); MCP clients show str(error)
        return self.message


@dataclass
class ArticleTools:
    """The tools, bound to an open assistant and the app's corpus folder (preferred when a source name
    exists in several ingested folders)."""

    assistant: Assistant
    corpus: Path

    def search_articles(self, query: str, k: int = 5) -> str:
        """Search the health articles collection for passages relevant to a query (hybrid keyword and semantic search).

        Use it to find what the articles say about a topic, or to find an article's `source` for get_article.
        Results are best first; each has the passage text, its article title and section, the article's
        `source` file name, its original web page `url` (null if unknown), for a PDF the `page` and `page_end`
        the passage starts and ends on (null for other articles), `score` (the fused rank score the
        results are ordered by) and `similarity` (cosine similarity of query and passage, 0-1).

        Args:
            query: What to look for, in plain words, e.g. "leg cramps at night" or "how to stop a nosebleed".
            k: How many passages to return, 1 to 20 (default 5); by default at most one passage per article.

        Returns:
            A JSON array of passages: rank, title, section, source, url, page, page_end, score, similarity, passage.
        """
        query = (query or "").strip()
        if not query:
            raise ToolError("query is empty: pass a few words to search for, e.g. 'leg cramps at night'.")
        try:
            k = int(k)
        except (TypeError, ValueError):
            raise ToolError(f"k must be a whole number from 1 to {MAX_K}, not {k!r}.") from None
        if not 1 <= k <= MAX_K:
            raise ToolError(f"k must be from 1 to {MAX_K}, not {k}.")
        hits = self._call(self.assistant.search, query, k)
        return json.dumps([
            {
                "rank": rank, "title": h.title, "section": h.section, "source": h.source, "url": h.url,
                "page": h.page, "page_end": h.page_end,
                "score": round(h.score, 4),
                "similarity": None if h.dense_score is None else round(h.dense_score, 3),
                "passage": h.text,
            }
            for rank, h in enumerate(hits, start=1)
        ], ensure_ascii=False, indent=1)

    def ask(self, question: str, history: list[str | dict] | None = None) -> str:
        """Answer a health question from the articles collection, with every sentence cited.

        The answer quotes the articles: each sentence ends with a [n] marker that points to the numbered
        Sources listed below the answer (article title › section, source file name, relevance, and the
        quoted passages with the cited sentences in bold). When the articles do not cover the question the
        answer says so and lists the closest articles instead. Urgent warning signs get a notice to seek
        care first. For a follow-up ("how can I make them stop quickly?" after "why do I get cramps at
        night?") pass the conversation so far as history. Not medical advice.

        Args:
            question: The question in plain words, e.g. "why do I get cramps at night?".
            history: Optional, for a follow-up question: the conversation so far, oldest first, either the earlier questions as strings or messages {"role": "user" or "assistant", "content": "..."}.

        Returns:
            Markdown without HTML: the answer with [n] markers, then its Sources.
        """
        question = (question or "").strip()
        if not question:
            raise ToolError("question is empty: ask something in plain words, e.g. 'why cramps at night?'.")
        answer = self._call(self._answer, question, as_turns(api_history(history)))
        return render_answer(answer, html=False).markdown

    def _answer(self, question: str, history: list[Turn]) -> Answer:
        return self.assistant.ask(question, history=history).answer()

    def get_article(self, source: str) -> str:
        """Read a whole article from the collection: its title, original web page and every section, cleaned of site navigation.

        Use it after search_articles or ask to read the full context of a passage.

        Args:
            source: The article's source file name exactly as search_articles or ask give it, e.g. "leg-cramps-at-night.txt".

        Returns:
            Markdown: the article title as a heading, its source and url, then each section under its heading.
        """
        source = (source or "").strip()
        if not source:
            raise ToolError("source is empty: pass an article's source file name from search_articles.")
        infos = self.assistant.articles()
        info = self._find(source, infos)
        article = self._call(self.assistant.article, info.root, info.source)
        return article_markdown(article)

    def _find(self, source: str, infos: list[ArticleInfo]) -> ArticleInfo:
        matches = [a for a in infos if a.source == source]  # as the tools give it (a name may hold a backslash)
        wanted = source.replace("\\", "/").lstrip("./")  # else a Windows-style or ./-prefixed path
        matches = matches or [a for a in infos if a.source == wanted]
        if not matches:
            close = difflib.get_close_matches(wanted, sorted({a.source for a in infos}), n=3, cutoff=0.5)
            hint = f" Did you mean {', '.join(repr(c) for c in close)}?" if close else ""
            raise ToolError(
                f"No article with source {source!r} in the collection.{hint} "
                "Use search_articles to find articles and their exact source names."
            )
        corpus = str(self.corpus)
        return next((a for a in matches if a.root == corpus), matches[0])

    @staticmethod
    def _call(fn, *args, **kwargs):
        """Run an assistant call, turning its expected failures into tool errors (the rest are logged)."""
        try:
            return fn(*args, **kwargs)
        except AssistantError as exc:
            raise ToolError(str(exc)) from exc
        except Exception as exc:
            log.exception("MCP tool call %s failed", getattr(fn, "__name__", fn))
            raise ToolError("The assistant failed to answer this call; the details are in the app's log.") from exc

    def register(self, *, mcp: bool) -> None:
        """Register the tools as API endpoints of the Blocks being built (inside `with gr.Blocks()`): `ask` always
        (the app's /ask endpoint), the others only for MCP.

        With MCP on they run outside Gradio's queue: an MCP call then reaches the function directly instead of
        going through Gradio's loopback HTTP client, which cannot carry the app's login."""
        gr.api(self.ask, api_name="ask", concurrency_limit=4, queue=not mcp)
        if mcp:
            gr.api(self.search_articles, api_name="search_articles", queue=False)
            gr.api(self.get_article, api_name="get_article", queue=False)


HISTORY_FORMS = (
    'a list of the earlier questions (strings) or of messages {"role": "user" or "assistant", "content": "..."}, '
    "oldest first"
)


def api_history(history: object) -> list[dict[str, str]] | None:
    """The `history` of an API or MCP call as the chat gives it to the assistant: messages, oldest first, an
    answer without its Sources block (one this app gave, passed back). None for no history; a ToolError
    that says what to pass for anything else."""
    if history is None or history == [] or history == "":
        return None
    if not isinstance(history, list):
        raise ToolError(f"history must be {HISTORY_FORMS}, not {type(history).__name__}.")
    messages: list[dict[str, str]] = []
    for i, item in enumerate(history, start=1):
        if isinstance(item, str):
            role, content = "user", item
        elif isinstance(item, dict) and item.get("role") in ("user", "assistant") and "content" in item:
            role, content = item["role"], message_text(item["content"])
        else:
            shown = json.dumps(item, ensure_ascii=False, default=str)[:60]
            raise ToolError(
                f"history item {i} ({shown}) is neither a question nor a message: history must be {HISTORY_FORMS}."
            )
        messages.append({"role": role, "content": answer_part(content) if role == "assistant" else content})
    return messages


def article_markdown(article: Article) -> str:
    """A whole article as Markdown: title, source and url, then the sections under their headings."""
    lines = [f"# {article.title}", "", f"Source: {article.source}"]
    if article.url:
        lines.append(f"URL: {article.url}")
    for section in article.sections:
        lines.append("")
        if section.heading:
            lines += [f"## {section.heading}", ""]
        lines.append(section.text)
    return "\n".join(lines).rstrip() + "\n"


__all__ = ["ArticleTools", "MAX_K", "TOOL_NAMES", "ToolError", "api_history", "article_markdown"]
