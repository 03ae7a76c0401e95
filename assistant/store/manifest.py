"""The manifest: a small SQLite file beside the vector store that records what was ingested.

It is the source of truth: which articles (root, source) exist, their fingerprints, and every
chunk's text and metadata. The keyword index is rebuilt from it; Chroma holds the vectors.
A journal table makes ingest crash-safe (see assistant/ingest/sync.py for the write order).
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from ..commands import command
from ..disk import disk_full_error, is_disk_full
from ..errors import StoreError
from ..types import ArticleInfo, Chunk, file_format

SCHEMA_VERSION = "1"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS articles (
    root TEXT NOT NULL, source TEXT NOT NULL, fingerprint TEXT NOT NULL,
    title TEXT NOT NULL, url TEXT, sections TEXT NOT NULL, n_chunks INTEGER NOT NULL,
    ingested_at TEXT NOT NULL, PRIMARY KEY (root, source));
CREATE TABLE IF NOT EXISTS chunks (
    id TEXT PRIMARY KEY, root TEXT NOT NULL, source TEXT NOT NULL, position INTEGER NOT NULL,
    title TEXT NOT NULL, section TEXT NOT NULL, text TEXT NOT NULL, embedded_text TEXT NOT NULL, url TEXT);
CREATE INDEX IF NOT EXISTS chunks_by_article ON chunks (root, source, position);
CREATE TABLE IF NOT EXISTS journal (id TEXT PRIMARY KEY, action TEXT NOT NULL);
"""

_ADDED_COLUMNS = {"chunks": ("page INTEGER", "page_end INTEGER"), "articles": ("format TEXT", "pages INTEGER")}
"""Columns added after schema 1 (PDF pages). A store built before gets them on open (old rows: NULL, i.e.
no page); a read-only one is read without them."""


@dataclass(frozen=True)
class StoredArticle:
    root: str
    source: str
    fingerprint: str


class Manifest:
    def __init__(self, path: Path, read_only: bool = False):
        """`read_only`: a store that cannot be written (read-only disk or permissions); writes raise StoreError."""
        self.path = path
        self.read_only = read_only
        self._local = threading.local()
        self._write_lock = threading.Lock()
        self._columns: dict[str, set[str]] = {}
        self._epoch = 0
        """Bumped by `reopen`: a thread's connection of an older epoch is to a file that was replaced."""
        self._identity: tuple[int, int] | None = None
        self._open()

    def _open(self) -> None:
        if self.read_only:
            self._check_read_only()
            self._read_columns()
        else:
            self._create()
        self._identity = _file_identity(self.path)

    def _create(self) -> None:
        """Create the tables (or add the columns a store built before lacks) and stamp a new file's schema."""
        try:
            with self.write() as db:
                for statement in _SCHEMA.split(";"):
                    if statement.strip():
                        db.execute(statement)
                for table, columns in _ADDED_COLUMNS.items():
                    have = {r[1] for r in db.execute(f"PRAGMA table_info({table})")}
                    for column in columns:
                        if column.split()[0] not in have:
                            db.execute(f"ALTER TABLE {table} ADD COLUMN {column}")
                version = db.execute("SELECT value FROM meta WHERE key='schema'").fetchone()
                if version is None:
                    db.execute("INSERT INTO meta VALUES ('schema', ?)", (SCHEMA_VERSION,))
                    db.execute("INSERT OR IGNORE INTO meta VALUES ('generation', ?)", (str(_first_generation()),))
                elif version[0] != SCHEMA_VERSION:
                    raise StoreError(
                        f"store {self.path.parent} has manifest version {version[0]}, this program needs "
                        f"{SCHEMA_VERSION}: run `{command('ingest')} --rebuild`"
                    )
        except sqlite3.DatabaseError as exc:
            raise _open_error(self.path, exc) from exc

    # --- the file under this object: another process may rebuild or delete the store ---------------

    def state(self) -> str:
        """"same": the file this manifest opened is still at its path; "replaced": another file is there (the
        store was rebuilt or wiped and re-created by another process); "gone": no file is there."""
        now = _file_identity(self.path)
        if now is None:
            return "gone"
        return "same" if now == self._identity else "replaced"

    def reopen(self) -> None:
        """Read the file now at the path (creating a new manifest if there is none): every thread's
        connection to the old file is closed on its next use."""
        with self._write_lock:
            self._epoch += 1
        self._columns = {}
        self._open()

    def _read_columns(self) -> None:
        for table in _ADDED_COLUMNS:
            self._columns[table] = {r[1] for r in self.read().execute(f"PRAGMA table_info({table})")}

    def _col(self, table: str, column: str) -> str:
        """`column`, or NULL in a read-only store built before the column existed."""
        if not self.read_only or column in self._columns.get(table, ()):
            return column
        return "NULL"

    @property
    def _chunk_select(self) -> str:
        return ("SELECT id, root, source, position, title, section, text, embedded_text, url, "
                f"{self._col('chunks', 'page')}, {self._col('chunks', 'page_end')} FROM chunks")

    def _check_read_only(self) -> None:
        if not self.path.is_file():
            raise StoreError(f"the store {self.path.parent} is read-only and has no manifest: nothing to read")
        try:
            version = self.get_meta("schema")
        except sqlite3.DatabaseError as exc:
            raise _open_error(self.path, exc) from exc
        if version != SCHEMA_VERSION:
            raise StoreError(f"store {self.path.parent} has manifest version {version}, this program needs "
                             f"{SCHEMA_VERSION}: run `{command('ingest')} --rebuild`")

    # connections: one per thread, WAL so readers never block the writer
    def _conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is not None and getattr(self._local, "epoch", 0) != self._epoch:  # to a file since replaced
            conn.close()
            conn = self._local.conn = None
        self._local.epoch = self._epoch
        if conn is None and self.read_only:  # immutable: no -shm/-wal files can be made beside it
            conn = sqlite3.connect(f"{self.path.resolve().as_uri()}?immutable=1", uri=True, isolation_level=None,
                                   check_same_thread=False)
            self._local.conn = conn
        if conn is None:
            conn = sqlite3.connect(self.path, timeout=60, isolation_level=None, check_same_thread=False)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA busy_timeout=60000")
            self._local.conn = conn
        return conn

    def read(self) -> sqlite3.Connection:
        return self._conn()

    class _Tx:
        def __init__(self, manifest: Manifest):
            self.m = manifest

        def __enter__(self) -> sqlite3.Connection:
            if self.m.read_only:
                raise StoreError(f"the store {self.m.path.parent} is read-only: it can be read, not changed")
            self.m._write_lock.acquire()
            self.conn = self.m._conn()
            self.conn.execute("BEGIN IMMEDIATE")
            return self.conn

        def __exit__(self, exc_type, exc, tb) -> None:
            try:
                self.conn.execute("ROLLBACK" if exc_type else "COMMIT")
            finally:
                self.m._write_lock.release()

    def write(self) -> _Tx:
        """A write transaction (`with manifest.write() as db: ...`), committed on success."""
        return Manifest._Tx(self)

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None

    # meta
    def get_meta(self, key: str) -> str | None:
        row = self.read().execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
        return row[0] if row else None

    def set_meta(self, db: sqlite3.Connection, key: str, value: str) -> None:
        db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))

    @property
    def generation(self) -> int:
        return int(self.get_meta("generation") or 0)

    def bump_generation(self, db: sqlite3.Connection) -> None:
        """The store changed: a new generation (the keyword index and what is derived from it are rebuilt)."""
        db.execute("UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key='generation'")

    def clear(self, db: sqlite3.Connection) -> None:
        """Every article, chunk and journal entry gone (the model stamp and the schema kept), a new generation."""
        for table in ("chunks", "articles", "journal"):
            db.execute(f"DELETE FROM {table}")  # noqa: S608 - fixed names
        self.bump_generation(db)

    # articles
    def stored_articles(self, root: str | None = None) -> dict[tuple[str, str], StoredArticle]:
        sql = "SELECT root, source, fingerprint FROM articles"
        rows = self.read().execute(sql + (" WHERE root=?" if root else ""), (root,) if root else ()).fetchall()
        return {(r, s): StoredArticle(r, s, f) for r, s, f in rows}

    def article_infos(self) -> list[ArticleInfo]:
        rows = self.read().execute(
            "SELECT root, source, title, url, sections, n_chunks, ingested_at, "
            f"{self._col('articles', 'format')}, {self._col('articles', 'pages')} FROM articles ORDER BY root, source"
        )
        return [
            ArticleInfo(r, s, t, u, tuple(json.loads(sec)), n, at, fmt or file_format(s), pages)
            for r, s, t, u, sec, n, at, fmt, pages in rows
        ]

    def chunk_ids_of(self, db: sqlite3.Connection, root: str, source: str) -> list[str]:
        return [r[0] for r in db.execute("SELECT id FROM chunks WHERE root=? AND source=?", (root, source))]

    def put_article(
        self, db: sqlite3.Connection, root: str, source: str, fingerprint: str, title: str, url: str | None,
        sections: Sequence[str], chunks: Sequence[Chunk], format: str = "", pages: int | None = None,
    ) -> list[str]:
        """Replace one article and its chunks; returns the ids of its old chunks no longer used."""
        old = set(self.chunk_ids_of(db, root, source))
        db.execute("DELETE FROM chunks WHERE root=? AND source=?", (root, source))
        db.executemany(
            "INSERT INTO chunks (id, root, source, position, title, section, text, embedded_text, url, page, page_end) "
            "VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            [(c.id, c.root, c.source, c.position, c.title, c.section, c.text, c.embedded_text, c.url, c.page,
              c.page_end) for c in chunks],
        )
        db.execute(
            "INSERT OR REPLACE INTO articles (root, source, fingerprint, title, url, sections, n_chunks, ingested_at, "
            "format, pages) VALUES (?,?,?,?,?,?,?,?,?,?)",
            (root, source, fingerprint, title, url, json.dumps(list(sections)), len(chunks), _now(),
             format or file_format(source), pages),
        )
        return sorted(old - {c.id for c in chunks})

    def delete_article(self, db: sqlite3.Connection, root: str, source: str) -> list[str]:
        ids = self.chunk_ids_of(db, root, source)
        db.execute("DELETE FROM chunks WHERE root=? AND source=?", (root, source))
        db.execute("DELETE FROM articles WHERE root=? AND source=?", (root, source))
        return ids

    # chunks
    def existing_chunk_ids(self, ids: Iterable[str]) -> set[str]:
        ids = list(ids)
        found: set[str] = set()
        for start in range(0, len(ids), 500):
            part = ids[start : start + 500]
            q = f"SELECT id FROM chunks WHERE id IN ({','.join('?' * len(part))})"
            found.update(r[0] for r in self.read().execute(q, part))
        return found

    def chunks_by_id(self, ids: Sequence[str]) -> dict[str, Chunk]:
        out: dict[str, Chunk] = {}
        for start in range(0, len(ids), 500):
            part = list(ids[start : start + 500])
            q = f"{self._chunk_select} WHERE id IN ({','.join('?' * len(part))})"
            for row in self.read().execute(q, part):
                out[row[0]] = _chunk(row)
        return out

    def iter_chunks(self, root: str | None = None, source: str | None = None) -> Iterator[Chunk]:
        q = self._chunk_select
        args: tuple = ()
        if root is not None and source is not None:
            q, args = q + " WHERE root=? AND source=?", (root, source)
        elif root is not None:
            q, args = q + " WHERE root=?", (root,)
        for row in self.read().execute(q + " ORDER BY root, source, position", args):
            yield _chunk(row)

    def chunk_headings(self) -> Iterator[tuple[str, str, str, str, str]]:
        """(id, root, source, title, section) of every chunk, in the order they were stored."""
        yield from self.read().execute("SELECT id, root, source, title, section FROM chunks ORDER BY rowid")

    def chunk_titles_and_texts(self) -> Iterator[tuple[str, str]]:
        """(title, text) of every chunk."""
        yield from self.read().execute("SELECT title, text FROM chunks")

    def probe_chunks(self, n: int) -> list[tuple[str, str]]:
        """(id, embedded text) of the first n chunks by id: a fixed sample of the store."""
        return self.read().execute("SELECT id, embedded_text FROM chunks ORDER BY id LIMIT ?", (n,)).fetchall()

    def all_chunk_ids(self) -> list[str]:
        return [r[0] for r in self.read().execute("SELECT id FROM chunks ORDER BY rowid")]

    def count_chunks(self) -> int:
        return int(self.read().execute("SELECT COUNT(*) FROM chunks").fetchone()[0])

    # journal
    def journal(self) -> list[tuple[str, str]]:
        return list(self.read().execute("SELECT id, action FROM journal"))

    def journal_add(self, db: sqlite3.Connection, ids: Iterable[str], action: str) -> None:
        db.executemany("INSERT OR REPLACE INTO journal VALUES (?, ?)", [(i, action) for i in ids])

    def journal_clear(self, db: sqlite3.Connection, ids: Iterable[str] | None = None) -> None:
        if ids is None:
            db.execute("DELETE FROM journal")
        else:
            db.executemany("DELETE FROM journal WHERE id=?", [(i,) for i in ids])


def _chunk(row: tuple) -> Chunk:
    cid, root, source, position, title, section, text, embedded_text, url, page, page_end = row
    return Chunk(root, source, position, title, section, text, embedded_text, url, cid, page, page_end)


def _open_error(path: Path, exc: sqlite3.DatabaseError) -> StoreError:
    """Why the manifest cannot be opened, and what to do: only a damaged file is a reason to --rebuild."""
    if is_disk_full(exc):
        return disk_full_error(path.parent, "opening the manifest")
    if isinstance(exc, sqlite3.OperationalError):  # locked, no permission, an I/O error: the file is not the problem
        return StoreError(f"cannot open the manifest {path}: {exc}")
    return StoreError(f"the manifest {path} is corrupt or not a database ({exc}): run `{command('ingest')} --rebuild`")


def _file_identity(path: Path) -> tuple[int, int] | None:
    """(device, inode) of the file at `path`, None if there is none: a file deleted and made again, even
    within the same second, has another identity (its modification time might not differ)."""
    try:
        info = path.stat()
    except OSError:
        return None
    return info.st_dev, info.st_ino


def _first_generation() -> int:
    """The generation of a new manifest: the time in ms, so that a store rebuilt from scratch never takes a
    generation that a process still holding the old store's indexes in memory has seen."""
    return time.time_ns() // 1_000_000


def _now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()
