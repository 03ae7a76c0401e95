"""The sample articles shipped with the package: what the commands start on in a folder with no articles.

They are the checkout's `corpus/` (sample content written for the project, not medical advice), packaged as
`assistant/sample_articles` (a link to it in a checkout; pyproject.toml's package data). A command whose corpus
folder was not named (no argument, no ASSISTANT_CORPUS) and does not exist uses them, and says so with
the way to name a folder of one's own.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from pathlib import Path

from .config import Settings

SAMPLES = Path(__file__).resolve().parent / "sample_articles"


@dataclass(frozen=True)
class Corpus:
    """The folder of articles a command syncs, and whether it is the shipped samples."""

    folder: Path
    samples: bool = False

    def notice(self, own: str) -> str:
        """The line that says the samples are used, and `own`, how to use a folder of one's own instead."""
        count = sum(1 for p in self.folder.iterdir() if p.is_file())
        return (
            f"No corpus folder here ({Path.cwd() / default_corpus()}): using the {count} sample articles "
            f"shipped with the package (written for the project, not medical advice). For your own articles: {own}."
        )


def default_corpus() -> Path:
    """The corpus folder when none is named: ./corpus."""
    return next(f.default for f in fields(Settings) if f.name == "corpus")


def corpus_for(settings: Settings) -> Corpus:
    """The settings' corpus folder; the samples in its place when it is the default ./corpus and there is none."""
    folder = settings.corpus.expanduser()
    if folder == default_corpus() and not folder.exists() and SAMPLES.is_dir():
        return Corpus(SAMPLES.resolve(), samples=True)
    return Corpus(folder)


__all__ = ["SAMPLES", "Corpus", "corpus_for", "default_corpus"]
