#!/usr/bin/env python
"""Sync folders of articles into the store: `python ingest.py [FOLDER ...] [--store DIR] [--rebuild]`."""

import sys

from assistant.cli import ingest_main

if __name__ == "__main__":
    sys.exit(ingest_main())
