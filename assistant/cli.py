"""Command-line shells over the Python API: `python ingest.py` (or the `assistant-ingest` command) and
`python -m assistant` (or the `assistant` command)."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from pathlib import Path

from .answering.asking import passages_wanted
from .assistant import Assistant
from .commands import command
from .config import Settings
from .errors import AssistantError, QuestionError, SettingsError, StoreError
from .ingest.sync import resolve_folder
from .log_setup import setup_logging
from .samples import corpus_for
from .terminal import answer_text, styled_output
from .text import plural, printable

STORE_HELP = "store folder (default: ASSISTANT_STORE or ./data)"


def ingest_main(argv: list[str] | None = None) -> int:
    """`python ingest.py`: sync folders into the store, or --list / --check it."""
    return _piped(_ingest, argv)


def _ingest(argv: list[str] | None) -> int:
    try:
        settings = Settings.from_env()
    except SettingsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    p = argparse.ArgumentParser(description="Sync folders of articles into the store.")
    p.add_argument("folders", nargs="*", help="folders of .txt/.md/.html/.mhtml/.pdf/.docx articles (default: "
                                             "ASSISTANT_CORPUS or ./corpus; the sample articles when there is none)")
    p.add_argument("--store", type=Path, help=STORE_HELP)
    p.add_argument("--rebuild", action="store_true", help="empty the store first and re-embed everything")
    p.add_argument("--list", action="store_true", help="list the ingested articles (file, format and pages, title, chunks, time, folder) and exit")
    p.add_argument("--check", action="store_true",
                   help="verify the store (every chunk has a reachable vector and every vector a chunk), repair what "
                        "can be repaired, and exit (0: consistent or repaired, 1: needs --rebuild)")
    p.add_argument("-v", "--verbose", action="store_true", help="log progress")
    args = p.parse_args(argv)
    setup_logging(args.verbose)
    try:
        folders = args.folders or [_default_folder(settings, args.list or args.check)]
        if args.list or args.check:
            _existing_store(args.store or settings.store)  # reading a mistyped --store must not create one
        else:
            for folder in folders:  # a mistyped folder must cost nothing: not the store (--rebuild), not a new one
                resolve_folder(folder)
        bot = Assistant.open(args.store, settings=settings, rebuild=args.rebuild and not (args.list or args.check))
        if args.check:
            check = bot.check(repair=True)
            print(f"Store: {bot.store_dir}")
            print(check)
            return 0 if check.ok else 1
        if args.list:
            infos = bot.articles()
            for a in infos:
                fields = (a.source, a.kind, a.title, plural(a.chunks, 'chunk'), a.ingested_at, a.root)
                print("\t".join(printable(f) for f in fields))  # a newline or tab in a name stays in its field
            print(f"{plural(len(infos), 'article')} in {bot.store_dir}")
            return 0
        report = bot.ingest(folders)
    except AssistantError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted: the next ingest will finish the job", file=sys.stderr)
        return 130
    print(f"Store: {bot.store_dir}  (folders: {', '.join(str(f) for f in folders)})")
    print(f"Articles: {report.added} added, {report.updated} updated, {report.removed} removed, {report.unchanged} unchanged")
    print(f"Chunks embedded: {report.chunks}  ({len(bot.articles())} articles in the store)")
    if report.skipped:
        print(f"Skipped {len(report.skipped)} file(s):")
        for path, reason in report.skipped:
            print(f"  {printable(path)}: {reason}")
    print(f"Time: {report.seconds:.1f} s")
    return 0


def ask_main(argv: list[str] | None = None) -> int:
    """`python -m assistant "question"`: the answer with its sources."""
    return _piped(_ask, argv)


def _ask(argv: list[str] | None) -> int:
    prog = "python -m assistant" if Path(sys.argv[0]).name == "__main__.py" else None  # else the command's name
    p = argparse.ArgumentParser(prog=prog, description="Answer a question from the ingested articles.")
    p.add_argument("question")
    p.add_argument("--store", type=Path, help=STORE_HELP)
    p.add_argument("-k", type=_passages, default=None, help="passages to consider (at least 1)")
    p.add_argument("-v", "--verbose", action="store_true")
    args = p.parse_args(argv)
    setup_logging(args.verbose)
    try:
        settings = Settings.from_env()
        _existing_store(args.store or settings.store)
        bot = Assistant.open(args.store, settings=settings)
        if not bot.articles():
            print(f"error: the store is empty: run `{command('ingest')}` first", file=sys.stderr)
            return 1
        answer = bot.ask(args.question, k=args.k).answer()
    except AssistantError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(answer_text(answer, styled=styled_output(sys.stdout)), end="")
    return 0


def _piped(main: Callable[[list[str] | None], int], argv: list[str] | None) -> int:
    """Run a command; output cut short by its reader (`… | head`) ends it quietly, not with a traceback."""
    try:
        code = main(argv)
        sys.stdout.flush()
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no second error when Python exits
        return 0
    return code


def _default_folder(settings: Settings, reading: bool) -> Path:
    """The folder to sync when none is named: ASSISTANT_CORPUS or ./corpus, else the sample articles (said)."""
    corpus = corpus_for(settings)
    if corpus.samples and not reading:
        print(corpus.notice(f"`{command('ingest')} DIR`"))
    return corpus.folder


def _existing_store(store: Path) -> None:
    if not Path(store).expanduser().exists():
        raise StoreError(f"no store at {store}: run `{command('ingest')}` first (it reads ./corpus, or the sample "
                         "articles shipped with the package when there is none), or check --store")


def _passages(text: str) -> int:
    """-k, checked by the API's rule (`passages_wanted`) while argparse can still say which argument."""
    try:
        return passages_wanted(int(text), 0)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    except QuestionError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
