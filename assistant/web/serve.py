"""The app's entry point: `python app.py` and the `assistant-app` command both run `main`.

Syncs the corpus folder into the store (progress in the console), then serves the Gradio app
(assistant/web/app.py) on 127.0.0.1 unless told otherwise, and answers one question in the
background so that the first user's answer is not the slow one. Settings also come from
ASSISTANT_* environment variables (ASSISTANT_CORPUS, ASSISTANT_STORE, ASSISTANT_AUTH="user:password", ...).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import logging
import sys
import threading
import time
from pathlib import Path

from ..assistant import Assistant
from ..commands import command
from ..config import Settings
from ..errors import AssistantError
from ..log_setup import setup_logging
from ..samples import corpus_for

log = logging.getLogger(__name__)

WARM_UP_QUESTION = "Why do I get leg cramps at night?"


def seconds_since_start() -> float:
    """Seconds since this process started (Python's own start-up and imports included), for "Ready in"."""
    import psutil

    return time.time() - psutil.Process().create_time()


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The command line of `python app.py` / `assistant-app` (the program name is whichever was run)."""
    p = argparse.ArgumentParser(description="Chat with cited answers over a folder of health articles.")
    p.add_argument("--store", type=Path, help="store folder (default: ASSISTANT_STORE or ./data)")
    p.add_argument("--corpus", type=Path, help="folder of articles to sync, upload into and delete from "
                                               "(default: ASSISTANT_CORPUS or ./corpus; the sample articles "
                                               "shipped with the package when there is none)")
    p.add_argument("--host", help="address to listen on (default: ASSISTANT_HOST or 127.0.0.1)")
    p.add_argument("--port", type=int, help="port (default: ASSISTANT_PORT or 7860)")
    p.add_argument("--mcp", action="store_true", help="also serve the tools search_articles, ask and get_article "
                                                      "to MCP clients (default: ASSISTANT_MCP or off)")
    p.add_argument("--no-sync", action="store_true", help="serve the store as it is, without syncing the corpus first")
    p.add_argument("-v", "--verbose", action="store_true", help="log more")
    return p.parse_args(argv)


def warm_up(bot: Assistant) -> None:
    """Answer one question in the background so the first user's answer is not the slow one."""
    try:
        bot.ask(WARM_UP_QUESTION).answer()
    except Exception:  # noqa: BLE001 - warming up is optional
        log.debug("warm-up question failed", exc_info=True)


def main(argv: list[str] | None = None) -> int:
    """Open and sync the store, start the app and serve until Ctrl+C; 0, or 1 with a one-line error."""
    args = parse_args(argv)
    setup_logging(args.verbose)
    try:
        settings = Settings.from_env(store=args.store, corpus=args.corpus, host=args.host, port=args.port,
                                     mcp=True if args.mcp else None)
        chosen = corpus_for(settings)
        corpus = chosen.folder
        if not corpus.is_dir():
            raise AssistantError(f"corpus folder not found: {corpus} (create it or pass --corpus DIR)")
        if chosen.samples:
            print(chosen.notice(f"`{command('app')} --corpus DIR` (or put them in ./corpus)"), flush=True)
        print(f"Opening the store {settings.store} …", flush=True)
        bot = Assistant.open(settings=settings)
        if bot.read_only:
            print("The store is read-only: answering from it without syncing.", flush=True)
        elif not args.no_sync:
            print(f"Syncing {corpus} …", flush=True)
            report = bot.ingest([corpus])
            print(f"  {report}".replace("\n", "\n  "), flush=True)
        print(f"{len(bot.articles())} articles ready.", flush=True)
        from .app import build_ui, launch_kwargs

        demo = build_ui(bot, settings, corpus=corpus, samples=chosen.samples)
        kwargs = launch_kwargs(settings)  # checks ASSISTANT_AUTH
        demo.queue(default_concurrency_limit=4)
        said = io.StringIO()
        with contextlib.redirect_stdout(said):  # Gradio prints the MCP URL that the lines below give once
            _, local_url, _ = demo.launch(prevent_thread_lock=True, quiet=True, **kwargs)
        log.debug("Gradio's launch said: %s", said.getvalue().strip())
        if settings.mcp and not demo.mcp_server:
            demo.close()
            raise AssistantError(f"the MCP server did not start: {demo.mcp_error}")
    except AssistantError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:  # e.g. the port is taken
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted: the next start finishes the sync", file=sys.stderr)
        return 130
    # The first question pays for loading the vector index and the model's first run: pay it now.
    threading.Thread(target=warm_up, args=(bot,), daemon=True, name="warm-up").start()
    login = " (login required)" if "auth" in kwargs else ""
    if settings.mcp:
        how = "; send the login as HTTP basic auth" if login else ""
        print(f"MCP tools (search_articles, ask, get_article): {local_url}gradio_api/mcp/{how}", flush=True)
    print(f"Ready in {seconds_since_start():.1f} s: open {local_url}{login}  (Ctrl+C to stop)", flush=True)
    try:
        demo.block_thread()
    except KeyboardInterrupt:
        pass
    finally:
        demo.close()
        bot.close()
    return 0


__all__ = ["main", "parse_args", "warm_up"]
