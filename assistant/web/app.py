"""The Gradio app: a thin shell over `Assistant` (chat, passages, articles) built by `build_ui`.

Seam for language models: the chat shows the `Response` an *answer stream* returns for (question,
history): its urgent notice at once, its text pieces as they are produced, then the finished `Answer`,
whose rendering (with its Sources) replaces the pieces. By default the stream is `Assistant.ask(stream=True)`
(extractive answers arrive as one piece, which the chat types out progressively; a language model's
tokens are shown as they come). Pass `answer_stream=` to `build_ui` to plug in another source.

Gradio's messages stop here: `chat_history` turns them into the `Turn`s `ask` takes.
"""

from __future__ import annotations

import html
import logging
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import gradio as gr

from ..assistant import Assistant
from ..config import Settings
from ..errors import AssistantError
from ..history import as_turns, message_text, previous_questions
from ..response import Response
from ..types import Answer, Turn
from .articles_tab import NO_CHOICE, UPLOAD_TYPES, ArticlesTab
from .login_throttle import trust_forwarded_headers
from .mcp_auth import mcp_auth_middleware
from .mcp_tools import ArticleTools
from .ratings import Ratings
from .reader import Reader
from .render import (
    ARTICLE_COLUMNS,
    ARTICLE_PARAM,
    ASK_PARAM,
    PASSAGE_COLUMNS,
    answer_part,
    article_key,
    escape_text,
    escape_user_text,
    passage_rows,
    render_answer,
    streaming_markdown,
)

log = logging.getLogger(__name__)

AnswerStream = Callable[[str, list[Turn]], Response]
"""(question, the conversation before it) -> the answer as a Response (streamed: assistant/response.py)."""

EXAMPLES = [
    "Why do I get leg cramps at night?",
    "How can I stop a nosebleed?",
    "What helps a tension headache?",
    "How do I know if I am dehydrated?",
    "Is it a cold or the flu?",
]
DISCLAIMER = (
    "Answers are quoted from the articles in this collection, with their sources. "
    "They are general information, <strong>not medical advice</strong>; in an emergency call your local emergency number."
)
LLM_DISCLAIMER = (
    "Answers are written by a language model ({backend}) from the articles in this collection; every [n] is "
    "checked against the passages it was given. They are general information, <strong>not medical advice</strong>; "
    "in an emergency call your local emergency number."
)
TYPING_SECONDS = 0.6
"""An answer that arrives in one piece (extractive) is typed out over at most this long."""
TYPING_WORDS = 4

CSS = """
.app-header h1 { margin: 0; font-size: 1.5rem; }
.app-header p { margin: 0.15rem 0 0; }
.disclaimer { font-size: 0.82rem; opacity: 0.75; }
.message mark, .reader mark { background: #fde68a; color: inherit; padding: 0 1px; border-radius: 2px; }
.dark .message mark, .dark .reader mark { background: #a16207; }
.message blockquote { font-size: 0.9em; margin: 0.2rem 0 0.6rem; }
.message a.source-open { font-weight: 600; }
.reader h2 { margin-top: 0; }
.reader .reader-meta { font-size: 0.85rem; opacity: 0.8; margin-bottom: 0.8rem; }
.reader .reader-text { white-space: pre-wrap; line-height: 1.5; }
.reader mark.cited { scroll-margin: 4rem; }
.reader-note { font-style: italic; }
#source-link-catcher, #ask-link-catcher { display: none; }
.message a.ask-from { font-size: 0.9em; }
#reader-close { position: sticky; top: 0; z-index: 5; }
#chatbot .bubble-wrap { padding-right: 2.5rem; }
.message blockquote ol, .message blockquote ul { margin: 0.2rem 0; }
"""
"""The reader's close button stays at the top of the panel while the article scrolls; messages keep clear of
the chat's top-right Clear button, so a message's copy button never slides under it."""

# Clicks on "open article" links in the chat open the reader instead of navigating away.
LINK_CATCHER_JS = """
if (!window.__assistantSourceLinks) {
  window.__assistantSourceLinks = true;
  document.addEventListener('click', (event) => {
    const a = event.target.closest && event.target.closest('a');
    if (!a) return;
    const href = a.getAttribute('href') || '';
    if (!href.startsWith('?""" + ARTICLE_PARAM + """=')) return;
    if (event.ctrlKey || event.metaKey || event.shiftKey || event.button !== 0) return;
    event.preventDefault();
    trigger('click', {href: href});
  }, true);
}
"""
# Gradio's own autoscroll (off here) keeps the bottom of a streaming answer in view, which scrolls the question
# and the start of the answer away. Instead, a new question is brought to the top of the chat and kept there
# while its answer streams in below it, until the person scrolls or types.
NEWEST_ANSWER_JS = """
if (!window.__assistantNewestAnswer) {
  window.__assistantNewestAnswer = true;
  const questions = () => document.querySelectorAll('#chatbot [data-testid=user]');
  let seen = questions().length, pinned = -1;
  const place = () => {
    const question = questions()[pinned];
    let box = question && question.parentElement;
    while (box && !/auto|scroll/.test(getComputedStyle(box).overflowY)) box = box.parentElement;
    if (!box) return;
    const below = question.getBoundingClientRect().top - box.getBoundingClientRect().top - 8;
    if (below > 1) box.scrollTop += below;
  };
  new MutationObserver(() => {
    const n = questions().length;
    if (n > seen) pinned = n - 1;
    seen = n;
    if (pinned >= 0) place();
  }).observe(document.body, {childList: true, subtree: true, characterData: true});
  for (const kind of ['wheel', 'touchmove', 'keydown']) {
    document.addEventListener(kind, () => { pinned = -1; }, {capture: true, passive: true});
  }
}
"""
# Clicks on "Did you mean this article?" under a refused answer answer the question from that article.
ASK_LINK_JS = """
if (!window.__assistantAskLinks) {
  window.__assistantAskLinks = true;
  document.addEventListener('click', (event) => {
    const a = event.target.closest && event.target.closest('a');
    if (!a) return;
    const href = a.getAttribute('href') || '';
    if (!href.startsWith('?""" + ASK_PARAM + """=')) return;
    if (event.ctrlKey || event.metaKey || event.shiftKey || event.button !== 0) return;
    event.preventDefault();
    trigger('click', {href: href});
  }, true);
}
"""
READER_JS = """
watch('value', () => {
  const cited = element.querySelector('#cited');
  if (cited) cited.scrollIntoView({block: 'center'});
});
"""

READER_HINT = '<p class="reader-note">Click a source under an answer to read the whole article here.</p>'


def default_answer_stream(assistant: Assistant) -> AnswerStream:
    """The assistant's own answers: `Assistant.ask(..., stream=True)`."""

    def stream(question: str, history: list[Turn]) -> Response:
        return assistant.ask(question, history=history, stream=True)

    return stream


def backend_note(answer: Answer, llm: str | None) -> str:
    """A small line under an answer naming what wrote it, when a language model is configured."""
    if llm is None:
        return ""
    if answer.backend == "extractive":
        return f"\n\n<sub>Answered without the language model ({escape_text(llm)}): sentences quoted from the articles.</sub>"
    return f"\n\n<sub>Written by {escape_text(answer.backend)} from the passages above; citations checked.</sub>"


def typed(piece: str, words: int = TYPING_WORDS) -> list[str]:
    """A long piece cut into runs of a few words (whitespace kept), so it can be typed out."""
    parts = piece.split(" ")
    if len(parts) <= words:
        return [piece]
    return [" ".join(parts[i : i + words]) + (" " if i + words < len(parts) else "") for i in range(0, len(parts), words)]


class SafeChatInterface(gr.ChatInterface):
    """ChatInterface whose user messages are displayed as text, never as HTML (and whose textbox
    keeps its placeholder after the first question)."""

    def _clear_and_save_textbox(self, message):
        return type(self.textbox)("", interactive=False), message

    def _message_as_message_dict(self, message, role):
        dicts = super()._message_as_message_dict(message, role)
        if role == "user":
            for d in dicts:
                if isinstance(d.get("content"), str):
                    d["content"] = escape_user_text(d["content"])
        return dicts


def chat_history(history: list) -> list[Turn]:
    """The chat's messages as the conversation `ask` takes: what was said, as `Turn`s (see `plain_history`)."""
    return as_turns(plain_history(history))


def plain_history(history: list) -> list:
    """The chat history as the assistant should see it: user messages unescaped, answers without
    their Sources block (follow-up folding and a language model's condensing read it)."""
    out = []
    for m in history or []:
        if isinstance(m, dict) and m.get("role") == "user":
            m = {**m, "content": html.unescape(message_text(m.get("content")))}
        elif isinstance(m, dict) and m.get("role") == "assistant":
            m = {**m, "content": answer_part(message_text(m.get("content")))}
        out.append(m)
    return out


class ChatApp:
    """The handlers behind the UI; kept apart from the layout so they can be tested directly.

    The chat is here; ratings (`Ratings`, web/ratings.py), the reader (`Reader`, web/reader.py) and the
    Articles tab (`ArticlesTab`, web/articles_tab.py) are parts of their own (`reader`, `articles`),
    whose handlers the layout binds directly."""

    def __init__(self, assistant: Assistant, settings: Settings | None = None, answer_stream: AnswerStream | None = None,
                 corpus: str | Path | None = None, samples: bool = False):
        self.assistant = assistant
        self.settings = settings or assistant.settings
        self.corpus = Path(corpus or self.settings.corpus).expanduser().resolve()
        self.answer_stream = answer_stream or default_answer_stream(assistant)
        grounded = getattr(assistant, "grounded", None)
        self.llm_name: str | None = grounded.name if grounded is not None else None
        """The configured language model ("openai:gpt-4o-mini"), None for extractive answers only."""
        self.typing_seconds = TYPING_SECONDS
        self.ratings = Ratings(assistant)
        self.reader = Reader(assistant)
        self.articles = ArticlesTab(assistant, self.settings, self.corpus, samples=samples)

    # --- chat -----------------------------------------------------------------------------

    def chat(self, message: str, history: list) -> Iterator[tuple[str, Any, Any]]:
        """The ChatInterface function: yields (message Markdown, passages heading, passages rows)."""
        question = (message or "").strip()
        if not question:
            yield "Please type a question.", gr.skip(), gr.skip()
            return
        text = ""
        try:
            response = self.answer_stream(question, chat_history(history))
            shown = f"{response.notice}\n\n" if response.notice else ""
            if shown:  # at once, before the answer
                yield shown + "…", gr.skip(), gr.skip()
            for item in response:
                pieces = typed(item)
                delay = min(0.03, self.typing_seconds / max(len(pieces), 1)) if len(pieces) > 1 else 0.0
                for piece in pieces:
                    text += piece
                    yield shown + streaming_markdown(text), gr.skip(), gr.skip()
                    if delay:
                        time.sleep(delay)
            answer = response.answer()
        except AssistantError as exc:
            yield f"⚠️ {escape_text(str(exc))}", gr.skip(), gr.skip()
            return
        except Exception:  # noqa: BLE001 - the chat must answer something; the log has the details
            log.exception("answering %r failed", question)
            yield "⚠️ Something went wrong while answering. The details are in the app's log.", gr.skip(), gr.skip()
            return
        rendered = render_answer(answer)
        markdown = rendered.markdown + backend_note(answer, self.llm_name)
        self.ratings.remember(markdown, question, answer, rendered)
        yield markdown, passages_heading(question, answer), passage_rows(answer.hits)

    def ask_from(self, history: list, evt: gr.EventData) -> Any:
        """"Did you mean this article?" under a refused answer: the last question, answered from the
        offered article (`Assistant.ask(..., source=...)`), added to the chat as a new turn."""
        href = getattr(evt, "href", "") if evt is not None else ""
        key = (parse_qs(urlsplit(href or "").query).get(ASK_PARAM) or [""])[0]
        info = next((a for a in self.assistant.articles() if article_key(a.root, a.source) == key), None)
        messages = list(history or [])
        asked = [i for i, m in enumerate(messages) if isinstance(m, dict) and m.get("role") == "user"]
        if info is None or not asked:
            gr.Warning("That article is no longer in the store." if info is None else "Ask a question first.")
            return gr.skip()
        question = html.unescape(message_text(messages[asked[-1]].get("content")))
        try:
            answer = self.assistant.ask(question, history=chat_history(messages[: asked[-1]]), source=info.source).answer()
        except AssistantError as exc:
            gr.Warning(str(exc))
            return gr.skip()
        rendered = render_answer(answer)
        markdown = rendered.markdown + backend_note(answer, self.llm_name)
        self.ratings.remember(markdown, question, answer, rendered)
        shown = escape_user_text(f"{question} (from the article “{info.title}”)")
        return [*messages, {"role": "user", "content": shown}, {"role": "assistant", "content": markdown}]

    # --- ratings --------------------------------------------------------------------------

    def like(self, history: list, evt: gr.LikeData) -> None:
        """Save a like / dislike with the question, answer and sources to <store>/feedback.jsonl."""
        index = evt.index if isinstance(evt.index, int) else evt.index[0]
        self.record_rating(history, index, evt.liked)
        gr.Info("Thanks, your rating was saved." if evt.liked is not False else "Thanks: noted as unhelpful.")

    def record_rating(self, history: list, index: int, liked: Any) -> dict:
        messages = list(history or [])
        if not 0 <= index < len(messages):
            raise gr.Error("That message is no longer in the chat.")
        shown = message_text(messages[index].get("content") if isinstance(messages[index], dict) else messages[index])
        users = previous_questions(plain_history(messages[:index]))
        return self.ratings.record(shown, users[-1] if users else "", liked)


def passages_heading(question: str, answer: Answer) -> str:
    """The Passages tab's heading: the question, the question as searched when it differs, and whether it was
    answered, or why not (the coverage test that failed, with its figures)."""
    line = f"**Passages for:** {escape_text(question)}"
    if answer.searched and answer.searched != question:
        line += f"  \n**Searched as:** {escape_text(answer.searched)}"
    verdict = "answered from the passages" if answer.covered else f"not covered: {answer.refusal or 'no answer'}"
    line += f"  \n{escape_text(verdict)} · dense = cosine similarity, keyword = BM25, fused = RRF"
    return line


def build_ui(assistant: Assistant, settings: Settings | None = None, *, answer_stream: AnswerStream | None = None,
             corpus: str | Path | None = None, samples: bool = False) -> gr.Blocks:
    """The whole app as a gr.Blocks (launch it with `launch_kwargs()` for theme, css and safety options);
    `samples`: the corpus is the sample articles shipped with the package (no uploads or deletes there)."""
    app = ChatApp(assistant, settings, answer_stream, corpus, samples)
    with gr.Blocks(title="Health articles assistant", fill_height=True, analytics_enabled=False) as demo:
        demo.chat_app = app  # type: ignore[attr-defined]
        with gr.Row(elem_classes="app-header"):
            disclaimer = DISCLAIMER if app.llm_name is None else LLM_DISCLAIMER.format(backend=escape_text(app.llm_name))
            gr.Markdown(f"# Health articles assistant\n<p class='disclaimer'>{disclaimer}</p>")
        with gr.Sidebar(position="right", open=False, width=520, label="Article") as sidebar:
            close_reader = gr.Button("✕ Close the article", size="sm", elem_id="reader-close")
            reader = gr.HTML(READER_HINT, js_on_load=READER_JS, elem_classes="reader-panel", elem_id="reader")
        catcher = gr.HTML("", js_on_load=LINK_CATCHER_JS + NEWEST_ANSWER_JS, elem_id="source-link-catcher",
                          container=False)
        ask_catcher = gr.HTML("", js_on_load=ASK_LINK_JS, elem_id="ask-link-catcher", container=False)
        passages_heading = gr.Markdown("Ask a question in the Chat tab: its passages appear here.", render=False)
        passages = gr.Dataframe(
            headers=PASSAGE_COLUMNS, datatype=["number", "str", "str", "number", "number", "number", "str"],
            interactive=False, wrap=True, render=False, elem_id="passages", column_widths=["4%", "22%", "14%", "7%", "8%", "7%", "38%"],
        )
        with gr.Tabs():
            with gr.Tab("Chat", id="chat"):
                chatbot = gr.Chatbot(
                    label="Answers from the articles", show_label=False, latex_delimiters=[], sanitize_html=True,
                    scale=1, height="64vh", elem_id="chatbot", autoscroll=False,
                    placeholder="Ask about the articles: every answer shows where it comes from.",
                    buttons=["copy"], feedback_options=("Like", "Dislike"),
                )
                SafeChatInterface(
                    app.chat, chatbot=chatbot,
                    textbox=gr.Textbox(placeholder="Ask a question, e.g. why cramps at night?", show_label=False,
                                       submit_btn=True, stop_btn=True, autofocus=True, max_length=4000,
                                       elem_id="question"),
                    examples=EXAMPLES, run_examples_on_click=True, cache_examples=False,
                    additional_outputs=[passages_heading, passages], save_history=True,
                    api_name="chat", api_visibility="undocumented", concurrency_limit=4, fill_height=True,
                    analytics_enabled=False,
                )
                chatbot.like(app.like, inputs=[chatbot], outputs=None, api_visibility="private")
            with gr.Tab("Passages", id="passages"):
                gr.Markdown(
                    "The passages retrieved for your last question, best first: **dense** is the cosine similarity "
                    "of the question and the passage embeddings, **keyword** the BM25 score, **fused** the "
                    "reciprocal-rank fusion that orders them."
                )
                passages_heading.render()
                passages.render()
            with gr.Tab("Articles", id="articles") as articles_tab:
                corpus_line = gr.Markdown(app.articles.corpus_line())
                with gr.Row():
                    query = gr.Textbox(placeholder="Filter by title, file or section…", show_label=False, scale=4)
                    refresh_btn = gr.Button("Refresh", scale=0, min_width=100)
                table = gr.Dataframe(
                    value=app.articles.article_table(), headers=ARTICLE_COLUMNS, interactive=False, wrap=True, max_height=420,
                    elem_id="articles-table", column_widths=["30%", "22%", "9%", "8%", "14%", "17%"],
                    datatype=["str", "str", "number", "number", "str", "str"],
                )
                with gr.Row(equal_height=False):
                    with gr.Column():
                        files = gr.File(
                            label="Upload articles", file_count="multiple", type="filepath", height=160,
                            elem_id="upload-files",
                        )
                        gr.Markdown(f"{UPLOAD_TYPES}, up to {app.settings.max_upload_mb:g} MB each",
                                    elem_id="upload-types")
                        upload_btn = gr.Button("Add to corpus", variant="primary", elem_id="upload-button")
                    with gr.Column():
                        resync_btn = gr.Button("Re-sync corpus folder")
                        to_delete = gr.Dropdown(choices=app.articles.corpus_choices(), label="Delete an article",
                                                value=NO_CHOICE, elem_id="delete-choice")
                        delete_btn = gr.Button("Delete…", variant="stop")
                        with gr.Row(visible=False) as confirm_row:
                            confirm_text = gr.Markdown()
                            confirm_btn = gr.Button("Yes, delete it", variant="stop", scale=0)
                            cancel_btn = gr.Button("Cancel", scale=0)
                status = gr.Markdown(elem_id="articles-status")

        refreshed = [table, to_delete, corpus_line]
        query.change(app.articles.article_table, [query], [table], queue=False, api_visibility="private")
        refresh_btn.click(app.articles.refresh, [query], refreshed, api_visibility="private")
        articles_tab.select(app.articles.refresh, [query], refreshed, api_visibility="private")
        upload_btn.click(app.articles.upload, [files, query], [status, *refreshed, files], concurrency_limit=1,
                         concurrency_id="ingest", api_visibility="private")
        resync_btn.click(app.articles.resync, [query], [status, *refreshed], concurrency_limit=1, concurrency_id="ingest",
                         api_visibility="private")
        delete_btn.click(app.articles.ask_delete, [to_delete], [confirm_row, confirm_text], api_visibility="private")
        cancel_btn.click(lambda: gr.Row(visible=False), None, [confirm_row], api_visibility="private")
        confirm_btn.click(app.articles.delete, [to_delete, query], [status, confirm_row, *refreshed], concurrency_limit=1,
                          concurrency_id="ingest", api_visibility="private")
        catcher.click(app.reader.on_source_click, None, [reader, sidebar], api_visibility="private")
        ask_catcher.click(app.ask_from, [chatbot], [chatbot], api_visibility="private")
        close_reader.click(lambda: gr.Sidebar(open=False), None, [sidebar], queue=False, api_visibility="private")
        demo.load(app.reader.on_load, None, [reader, sidebar], api_visibility="private")
        ArticleTools(assistant, app.corpus).register(mcp=settings_mcp(app.settings))  # /ask, and the MCP tools
    return demo


def theme() -> gr.themes.Base:
    """Soft theme; its fonts are served by the app itself (no Google Fonts)."""
    return gr.themes.Soft(primary_hue="teal", secondary_hue="amber", neutral_hue="slate")


def launch_kwargs(settings: Settings) -> dict[str, Any]:
    """Keyword arguments of `Blocks.launch` for the app: local only, no telemetry, optional login. Also tells
    the server which proxy's X-Forwarded-For to trust (ASSISTANT_TRUSTED_PROXY; none by default)."""
    trust_forwarded_headers(getattr(settings, "trusted_proxy", None))
    kwargs: dict[str, Any] = {
        "server_name": settings_host(settings),
        "server_port": settings_port(settings),
        "theme": theme(),
        "css": CSS,
        "footer_links": ["api", "settings"],
        "show_error": True,
        "max_file_size": f"{max(settings.max_upload_mb * 5, 50):g}mb",
        "share": False,
        "ssr_mode": False,
        "pwa": False,
        "mcp_server": settings_mcp(settings),
        "enable_monitoring": False,
    }
    auth = parse_auth(settings.auth)
    if auth:
        from starlette.middleware import Middleware

        from .login_throttle import FailedLogins, LoginThrottle

        kwargs["auth"] = auth
        kwargs["auth_message"] = "Please sign in to the health articles assistant."
        failures = FailedLogins()  # wrong passwords: 10 a minute per address, form and MCP together
        middleware = [Middleware(LoginThrottle, failures=failures)]
        if settings_mcp(settings):  # Gradio does not guard its MCP endpoint with the login: we do
            middleware.append(mcp_auth_middleware(*auth, failures=failures))
        kwargs["app_kwargs"] = {"middleware": middleware}
    return kwargs


def settings_host(settings: Settings) -> str:
    return getattr(settings, "host", None) or "127.0.0.1"


def settings_port(settings: Settings) -> int:
    return int(getattr(settings, "port", None) or 7860)


def settings_mcp(settings: Settings) -> bool:
    return bool(getattr(settings, "mcp", False))


def parse_auth(value: str | None) -> tuple[str, str] | None:
    """`ASSISTANT_AUTH="user:password"` -> ("user", "password"); a malformed value is an error."""
    if not value:
        return None
    user, sep, password = value.partition(":")
    if not sep or not user or not password:
        raise AssistantError('ASSISTANT_AUTH must look like "user:password" (both parts non-empty)')
    return user, password


__all__ = [
    "AnswerStream", "ChatApp", "build_ui", "chat_history", "default_answer_stream", "launch_kwargs", "parse_auth",
    "passages_heading", "typed",
]
