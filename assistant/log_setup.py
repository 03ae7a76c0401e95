"""Logging for the command-line entry points (ingest, ask, the app, the eval harness): one format, one place.

The library itself only logs through `logging.getLogger(__name__)`; a program that imports `assistant`
configures logging as it likes. These entry points call `setup_logging` once, first thing after parsing
their arguments.
"""

from __future__ import annotations

import logging

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def setup_logging(verbose: bool = False) -> None:
    """Root logging to stderr: INFO with -v/--verbose, else WARNING (what needs the user's attention)."""
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, format=FORMAT)
    logging.getLogger("bm25s").setLevel(logging.WARNING)  # it logs every index build at DEBUG


__all__ = ["FORMAT", "setup_logging"]
