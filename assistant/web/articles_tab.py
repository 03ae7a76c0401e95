"""The Articles tab: the table of the store's articles, uploads into the corpus folder, re-sync, and
deleting an article (its file and its chunks)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import gradio as gr

from ..commands import command
from ..config import Settings
from ..errors import AssistantError
from ..types import ArticleInfo
from .render import article_rows, escape_text
from .uploads import save_uploads

if TYPE_CHECKING:
    from ..assistant import Assistant

UPLOAD_TYPES = ".txt, .md, .html, .mhtml, .pdf or .docx"
"""The article formats the upload takes, as its label and its empty-upload message name them."""
MAX_TABLE_ROWS = 1000
NO_CHOICE = ""
"""The delete list's first entry, chosen at start: it says what to do rather than showing an empty box."""


class ArticlesTab:
    """The handlers of the Articles tab, over the store and its corpus folder (where uploads land). Over the
    sample articles shipped with the package (`samples`) it neither uploads nor deletes: they are the package's."""

    def __init__(self, assistant: Assistant, settings: Settings, corpus: Path, samples: bool = False):
        self.assistant = assistant
        self.settings = settings
        self.corpus = corpus
        self.samples = samples

    def samples_refusal(self) -> str:
        return ("⚠️ The app serves the sample articles shipped with the package, which it does not change: "
                f"start it on a folder of your own (`{command('app')} --corpus DIR`) to add or delete articles.")

    def article_table(self, query: str = ""):
        """Rows of the Articles table (at most MAX_TABLE_ROWS: the filter narrows a big store down)."""
        return article_rows(self.assistant.articles(), query or "")[:MAX_TABLE_ROWS]

    def corpus_choices(self) -> list[tuple[str, str]]:
        return self._choices(self.assistant.articles())

    def refresh(self, query: str = ""):
        """The table, the delete choices and the corpus line, from one read of the store's articles."""
        infos = self.assistant.articles()
        return (
            article_rows(infos, query or "")[:MAX_TABLE_ROWS],
            gr.Dropdown(choices=self._choices(infos), value=NO_CHOICE),
            self.corpus_line(infos),
        )

    def corpus_line(self, infos: list[ArticleInfo] | None = None) -> str:
        infos = self.assistant.articles() if infos is None else infos
        in_corpus = sum(a.root == str(self.corpus) for a in infos)
        shown = f" (the table shows up to {MAX_TABLE_ROWS}: filter to narrow it down)" if len(infos) > MAX_TABLE_ROWS else ""
        folder = "the sample articles shipped with the package, in" if self.samples else "the corpus folder"
        return (f"{len(infos)} articles in the store, {in_corpus} from {folder} "
                f"`{escape_text(str(self.corpus))}`{shown}.")

    def _choices(self, infos: list[ArticleInfo]) -> list[tuple[str, str]]:
        root = str(self.corpus)
        return [("Choose an article to delete…", NO_CHOICE),
                *((f"{a.title} — {a.source}", a.source) for a in infos if a.root == root)]

    def _sync(self, progress: gr.Progress) -> str:
        def step(done: int, total: int) -> None:
            progress(done / total if total else 1.0, desc=f"Ingesting {done}/{total} articles")

        progress(0.0, desc="Scanning the corpus folder")
        report = self.assistant.ingest([self.corpus], progress=step)
        lines = [
            f"**Sync:** {report.added} added, {report.updated} updated, {report.removed} removed, "
            f"{report.unchanged} unchanged; {report.chunks} chunks embedded in {report.seconds:.1f} s."
        ]
        for path, reason in report.skipped:
            name = Path(path).name
            lines.append(f"- skipped `{escape_text(name)}`: {escape_text(reason)}")
        return "\n".join(lines)

    def upload(self, files: list | None, query: str, progress: gr.Progress = gr.Progress()):  # noqa: B008 - Gradio's idiom
        if not files:
            return f"Choose one or more {UPLOAD_TYPES} files first.", *self.refresh(query), gr.skip()
        if self.samples:
            return self.samples_refusal(), *self.refresh(query), gr.skip()
        paths = [f if isinstance(f, str) else getattr(f, "name", str(f)) for f in files]
        progress(0.0, desc="Saving files")
        try:
            results = save_uploads(paths, self.corpus, int(self.settings.max_upload_mb * 1_000_000))
        except AssistantError as exc:
            return f"⚠️ {escape_text(str(exc))}", *self.refresh(query), gr.skip()
        icons = {"added": "✓", "replaced": "↻", "unchanged": "=", "refused": "✗"}
        lines = [f"{icons[r.status]} **{escape_text(r.name)}** — {r.status}: {escape_text(r.reason)}" for r in results]
        if any(r.status in ("added", "replaced") for r in results):
            try:
                lines.append(self._sync(progress))
            except AssistantError as exc:
                lines.append(f"⚠️ Ingest failed: {escape_text(str(exc))}")
        else:
            lines.append("Nothing new to ingest.")
        return "  \n".join(lines), *self.refresh(query), None

    def resync(self, query: str, progress: gr.Progress = gr.Progress()):  # noqa: B008
        try:
            summary = self._sync(progress)
        except AssistantError as exc:
            summary = f"⚠️ {escape_text(str(exc))}"
        return summary, *self.refresh(query)

    def ask_delete(self, source: str | None):
        if not source:
            return gr.Row(visible=False), "Choose an article to delete first."
        return gr.Row(visible=True), (
            f"Delete **{escape_text(source)}** from the store *and* remove the file from "
            f"`{escape_text(str(self.corpus))}`? This cannot be undone."
        )

    def delete(self, source: str | None, query: str):
        hide = gr.Row(visible=False)
        if not source:
            return "Choose an article to delete first.", hide, *self.refresh(query)
        if self.samples:
            return self.samples_refusal(), hide, *self.refresh(query)
        path = (self.corpus / source).resolve()
        if not path.is_relative_to(self.corpus) or path == self.corpus:
            return f"✗ {escape_text(source)} is not inside the corpus folder.", hide, *self.refresh(query)
        try:
            if path.is_file():
                path.unlink()
            removed = self.assistant.remove(self.corpus, source)
        except (OSError, AssistantError) as exc:
            return f"⚠️ Could not delete {escape_text(source)}: {escape_text(str(exc))}", hide, *self.refresh(query)
        what = "removed from the store and the folder" if removed else "file removed (it was not in the store)"
        return f"✓ **{escape_text(source)}** {what}.", hide, *self.refresh(query)
