"""The store's life cycle: opening (or creating, wiping, repairing) a store folder, checking that the
current embedding model and backend match it, keeping the in-memory view current when another process
ingests, and changing it (ingest, check, remove) under the store's locks.

- `library.py` — `Library`: one opened store; what `Assistant` asks questions against.
- `opening.py` — finding, creating, wiping and repairing the folder before it is opened.
- `probes.py` — the model, backend and vector-count checks made on opening.
- `locks.py` — the store's OS-level ingest lock.
"""

from .library import Library
from .opening import OpenedStore, open_store

__all__ = ["Library", "OpenedStore", "open_store"]
