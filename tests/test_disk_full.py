"""A full disk at any write of the store — the manifest's SQLite, Chroma's vectors, the keyword index — is a
one-line error that names the folder, its disk and the space needed; nothing is lost (the next ingest with
room finishes the job and the store is consistent); and no read on a full disk suggests --rebuild (issue 25).

Each write point gets an injected failure as the library below it raises it; the whole story also runs for
real on a small tmpfs (root with mount namespaces only), through the ingest command line."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import textwrap

import bm25s
import chromadb
import pytest

from assistant import Assistant, Settings
from assistant.errors import StoreError
from assistant.store.manifest import Manifest
from assistant.store.vectors import VectorStore

from .helpers_data import REPO
from .helpers_embedder import FakeEmbedder
from .helpers_store import assert_consistent, write_articles

FULL = "the disk is full: "


def _open(store) -> Assistant:
    return Assistant.open(settings=Settings(store=store), embedder=FakeEmbedder())


def _says_disk_full(message: str, store) -> None:
    assert message.startswith(FULL) and "\n" not in message, message
    assert str(store) in message and "needs about" in message and " free" in message, message
    assert "--rebuild" not in message and "Traceback" not in message, message


def _full_manifest_commit(monkeypatch):
    real = Manifest._Tx.__exit__

    def commit(self, exc_type, exc, tb):
        if exc_type is None and self.m.journal():  # the batch's commit, after its vectors were written
            self.conn.execute("ROLLBACK")
            self.m._write_lock.release()
            raise sqlite3.OperationalError("database or disk is full")
        return real(self, exc_type, exc, tb)

    monkeypatch.setattr(Manifest._Tx, "__exit__", commit)


def _full_chroma(monkeypatch):
    real = VectorStore.upsert

    def upsert(self, *args, **kwargs):
        real(self, [args[0][0]], args[1][:1], args[2][:1])  # one vector lands, then the disk is full
        raise RuntimeError("Error in compaction: No space left on device (os error 28)")

    monkeypatch.setattr(VectorStore, "upsert", upsert)


def _full_keyword_save(monkeypatch):
    def save(self, *args, **kwargs):
        raise OSError("200056 requested and 94176 written")  # numpy's tofile on a full disk: no errno

    monkeypatch.setattr(bm25s.BM25, "save", save)


@pytest.mark.parametrize("inject", [_full_manifest_commit, _full_chroma, _full_keyword_save],
                         ids=["manifest", "vectors", "keyword index"])  # fmt: skip
def test_a_full_disk_at_a_write_is_one_line_and_nothing_is_lost(inject, tmp_path, monkeypatch):
    folder, store = tmp_path / "articles", tmp_path / "store"
    write_articles(folder, range(6))
    bot = _open(store)
    try:
        bot.ingest([folder])
        write_articles(folder, range(6, 12))
        with monkeypatch.context() as patch:
            inject(patch)
            with pytest.raises(StoreError) as failed:
                bot.ingest([folder])
        _says_disk_full(str(failed.value), store)
        report = bot.ingest([folder])  # room again: the next ingest finishes the job
        assert report.added + report.unchanged == 12
        assert_consistent(bot, [folder])
    finally:
        bot.close()


def test_opening_a_store_on_a_full_disk_says_so_and_does_not_suggest_a_rebuild(tmp_path, monkeypatch):
    folder, store = tmp_path / "articles", tmp_path / "store"
    write_articles(folder, range(3))
    _open(store).close()

    def full(*args, **kwargs):
        raise RuntimeError("error returned from database: (code: 13) database or disk is full")

    monkeypatch.setattr(chromadb, "PersistentClient", full)  # opening Chroma writes its database
    with pytest.raises(StoreError) as failed:
        _open(store)
    _says_disk_full(str(failed.value), store)


def _can_mount_tmpfs() -> bool:
    if os.geteuid() != 0 or not shutil.which("unshare"):
        return False
    return (
        subprocess.run(["unshare", "-m", "mount", "-t", "tmpfs", "tmpfs", "/mnt"], capture_output=True).returncode == 0
    )


@pytest.mark.slow
@pytest.mark.skipif(not _can_mount_tmpfs(), reason="a small tmpfs needs root with mount namespaces")
def test_a_store_on_a_full_tmpfs_through_the_command_line(tmp_path):
    first, more = tmp_path / "first", tmp_path / "more"
    write_articles(first, range(150))
    write_articles(more, range(150, 900))
    disk, kept = tmp_path / "disk", tmp_path / "kept"
    disk.mkdir()
    script = textwrap.dedent(f"""
        set -u
        mount -t tmpfs -o size=32m tmpfs {disk}
        ingest() {{ "$PY" -m tests.helpers_crash -- "$@" --store {disk}/store 2>&1 | grep -v WARNING | tail -1; }}
        fill() {{ fallocate -l $(( ($(df -k --output=avail {disk} | tail -1) - $1) * 1024 )) {disk}/filler$1; }}
        ingest {first} >/dev/null
        fill 300
        echo "ingest: $(ingest {first} {more})"
        echo "check: $(ingest --check)"
        rm -rf {disk}/store/keyword
        echo "keyword: $(ingest {first})"
        fill 0
        echo "list: $(ingest --list)"
        rm {disk}/filler*
        echo "again: $(ingest {first} {more})"
        cp -r {disk}/store {kept}
    """)
    env = {**os.environ, "PYTHONPATH": str(REPO), "PY": os.sys.executable}
    out = subprocess.run(["unshare", "-m", "sh", "-c", script], cwd=REPO, capture_output=True, text=True,
                         timeout=900, env=env)  # fmt: skip
    said = dict(line.split(": ", 1) for line in out.stdout.splitlines() if ": " in line)
    assert set(said) == {"ingest", "check", "keyword", "list", "again"}, out.stdout + out.stderr[-2000:]
    for step in ("ingest", "check", "keyword", "list"):
        assert said[step].startswith("error: " + FULL), (step, said[step])
        _says_disk_full(said[step].removeprefix("error: "), disk / "store")
    assert "saving the keyword index" in said["keyword"] or "finishing an interrupted ingest" in said["keyword"]
    assert said["again"].startswith("Time:"), out.stdout
    bot = _open(kept)
    try:
        assert_consistent(bot, [first, more])
    finally:
        bot.close()
