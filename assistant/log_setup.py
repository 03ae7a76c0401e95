"""Logging for the command-line entry points (ingest, ask, the app, the eval harness): one format, one place.

The library itself only logs through `logging.getLogger(__name__)`; a program that imports `assistant`
configures logging as it likes. These entry points call `setup_logging` once, first thing after parsing
their arguments. What the person at the terminal should read as it happens (a one-time wait such as
preparing the embedding model) the library logs at INFO to the `NOTICE` logger: the entry points show
it as a plain line on stderr, with no time, level or logger name.
"""

from __future__ import annotations

import logging

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
NOTICE = "assistant.notice"
"""The logger of the lines meant for the person at the terminal (see above)."""


def setup_logging(verbose: bool = False) -> None:
    """Root logging to stderr: INFO with -v/--verbose, else WARNING (what needs the user's attention);
    the NOTICE logger's lines plain on stderr."""
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, format=FORMAT)
    logging.getLogger("bm25s").setLevel(logging.WARNING)  # it logs every index build at DEBUG
    notice = logging.getLogger(NOTICE)
    if not notice.handlers:
        plain = logging.StreamHandler()
        plain.setFormatter(logging.Formatter("%(message)s"))
        notice.addHandler(plain)
    notice.setLevel(logging.INFO)
    notice.propagate = False


__all__ = ["FORMAT", "NOTICE", "setup_logging"]
