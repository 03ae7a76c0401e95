"""Crash safety: SIGKILL an ingest at chosen points, then the next ingest completes and the store is consistent.

Each trial runs the real ingest command line in a subprocess (`tests/helpers_crash.py`: the CLI with a
deterministic embedder that costs a few ms per text, so trials take seconds), watches its own progress
log lines and kills it with SIGKILL when the chosen line appears (or, for points a watcher cannot hit
reliably, the driver kills itself at the exact spot). The store's state right after the kill is
checked to prove the kill landed in the intended step; then an ordinary ingest must finish the job
and leave the store fully consistent (tests/helpers_store.py: every article searchable, exactly its
chunks, no duplicates, no orphans of deleted or replaced articles, Chroma == manifest == keyword index).
One trial kills the real `python ingest.py` with the real model while it embeds.
"""

from __future__ import annotations

import logging
import os
import signal
import sqlite3
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from assistant import Assistant, Settings
from assistant.store.keyword import KeywordIndex

from .helpers_embedder import FakeEmbedder
from .helpers_proc import DRIVER, run_until
from .helpers_store import article_name, assert_consistent, write_articles

pytestmark = pytest.mark.slow

BASE = range(36)
"""Articles in the folder before a trial (36 small articles, about 100 chunks)."""
DRIVER_DEFAULTS = ["--delay", "0.03", "--flush", "24"]
"""30 ms of 'model time' per text and 24-chunk batches: several batches, each embedding for about 0.7 s."""


def state(store: Path) -> dict:
    """The store right after the kill, read with plain sqlite (no Assistant, so no recovery)."""
    db = sqlite3.connect(store / "manifest.sqlite3")
    try:
        journal = dict(db.execute("SELECT action, COUNT(*) FROM journal GROUP BY action").fetchall())
        articles = {s: f for s, f in db.execute("SELECT source, fingerprint FROM articles")}
        generation = int(db.execute("SELECT value FROM meta WHERE key='generation'").fetchone()[0])
    finally:
        db.close()
    keyword = KeywordIndex.load(store / "keyword")
    return {
        "pending": journal.get("pending", 0),
        "delete": journal.get("delete", 0),
        "articles": articles,
        "generation": generation,
        "keyword_generation": keyword.generation if keyword else None,
    }


def fake_bot(store: Path) -> Assistant:
    return Assistant.open(settings=Settings(store=store), embedder=FakeEmbedder())


def ingest_in_process(store: Path, folder: Path) -> None:
    bot = fake_bot(store)
    try:
        bot.ingest([folder])
    finally:
        bot.close()


@dataclass
class Trial:
    name: str
    trigger: str
    """Regex on the driver's log lines; empty when the driver kills itself (--self-kill & co)."""
    mutate: Callable[[Path], None] | None
    """Changes to the folder after the base ingest; None = the trial starts on an empty store."""
    expect: Callable[[dict, dict], None]
    """Checks the state right after the kill (given the state before the run)."""
    args: list[str] = field(default_factory=list)
    occurrence: int = 1


def _edit(indices, version=1):
    return lambda folder: write_articles(folder, indices, version=version)


def _delete(indices):
    def run(folder: Path) -> None:
        for i in indices:
            (folder / article_name(i)).unlink()

    return run


def _both(*steps):
    def run(folder: Path) -> None:
        for step in steps:
            step(folder)

    return run


def _expect_partial_first_ingest(before: dict, after: dict) -> None:
    assert 0 < len(after["articles"]) < len(BASE), "killed before the first batch or after the last"
    assert after["pending"] == 0, "the kill was meant to land while embedding, before anything was journaled"


def _expect_pending(before: dict, after: dict) -> None:
    assert after["pending"] > 0, "the kill was meant to land between journaling and the manifest commit"


def _expect_any(before: dict, after: dict) -> None:
    pass


def _expect_uncommitted_manifest(before: dict, after: dict) -> None:
    assert after["pending"] > 0 and after["generation"] == before["generation"], "manifest commit went through"


def _expect_stale_keyword(before: dict, after: dict) -> None:
    assert after["pending"] == after["delete"] == 0
    assert after["generation"] > before["generation"]
    assert after["keyword_generation"] != after["generation"], "the keyword index was already saved"


def _expect_deletes(before: dict, after: dict) -> None:
    assert after["delete"] > 0, "the kill was meant to land between the manifest commit and the Chroma delete"


def _expect_replaced_not_cleaned(before: dict, after: dict) -> None:
    _expect_deletes(before, after)
    changed = [s for s in after["articles"] if before["articles"].get(s) != after["articles"][s]]
    assert changed, "the edited articles were not replaced in the manifest yet"


TRIALS = [
    Trial("while embedding (first ingest, third batch)", r"embedding \d+ chunks", None,
          _expect_partial_first_ingest, occurrence=3),
    Trial("while writing vectors to Chroma (new and edited articles)", r"writing \d+ vectors",
          _both(lambda f: write_articles(f, range(36, 48)), _edit(range(3, 9))), _expect_pending,
          ["--chroma-batch", "4"]),
    Trial("between two of Chroma's upsert calls", "", lambda f: write_articles(f, range(36, 60)),
          _expect_pending, ["--chroma-batch", "3", "--kill-after-upserts", "2"]),
    Trial("while writing the manifest (edits and deletions)", r"writing manifest for \d+ articles",
          _both(_edit(range(9, 15)), _delete(range(0, 3))), _expect_any),
    Trial("inside the manifest transaction, before it commits", "", _edit(range(9, 15)),
          _expect_uncommitted_manifest, ["--self-kill", "committing manifest"]),
    Trial("while writing the keyword index", r"writing keyword index", lambda f: write_articles(f, range(36, 42)),
          _expect_stale_keyword),
    Trial("while swapping in the new keyword index", "", lambda f: write_articles(f, range(36, 42)),
          _expect_stale_keyword, ["--kill-in-keyword-swap"]),
    Trial("while deleting the vectors of removed articles", r"deleting \d+ stale vectors", _delete(range(20, 26)),
          _expect_deletes, ["--chroma-batch", "2"]),
    Trial("while deleting the old vectors of replaced articles", r"deleting \d+ stale vectors", _edit(range(15, 21), 2),
          _expect_replaced_not_cleaned, ["--chroma-batch", "2"]),
]


@pytest.mark.parametrize("trial", TRIALS, ids=[t.name for t in TRIALS])
def test_ingest_survives_sigkill(trial: Trial, tmp_path, caplog):
    folder, store = tmp_path / "articles", tmp_path / "store"
    write_articles(folder, BASE)
    if trial.mutate is not None:
        ingest_in_process(store, folder)
        trial.mutate(folder)
        before = state(store)
    else:
        before = {"articles": {}, "generation": 0}

    killed = run_until(
        [*DRIVER, *DRIVER_DEFAULTS, *trial.args, "--", str(folder), "--store", str(store), "-v"],
        trial.trigger or None, trial.occurrence,
    )
    log_text = "\n".join(killed.lines[-30:])
    assert killed.returncode == -signal.SIGKILL, f"the ingest was not killed (exit {killed.returncode}):\n{log_text}"
    assert killed.trigger or "driver:" in log_text, log_text
    after = state(store)
    trial.expect(before, after)

    caplog.set_level(logging.INFO, logger="assistant")
    bot = fake_bot(store)
    try:
        report = bot.ingest([folder])
        assert not report.skipped
        counts = assert_consistent(bot, [folder])
    finally:
        bot.close()
    messages = [r.getMessage() for r in caplog.records]
    if after["pending"] or after["delete"]:
        assert any("recovering from an interrupted ingest" in m for m in messages)
    assert not any("repairing the vector store" in m for m in messages), "the journal alone must suffice"
    assert not list(store.glob(".keyword-*")), "a killed keyword save left its temp folder behind"
    print(f"{trial.name}: killed at {killed.trigger or 'driver self-kill'}; state {after['pending']} pending, "
          f"{after['delete']} delete; recovered to {counts}")


def test_kill_during_recovery_then_recover(tmp_path):
    """A second kill while the next ingest replays the journal of the first still recovers."""
    folder, store = tmp_path / "articles", tmp_path / "store"
    write_articles(folder, BASE)
    ingest_in_process(store, folder)
    _delete(range(10, 20))(folder)
    first = run_until([*DRIVER, *DRIVER_DEFAULTS, "--chroma-batch", "2", "--", str(folder), "--store", str(store), "-v"],
                      r"deleting \d+ stale vectors")
    assert first.returncode == -signal.SIGKILL and state(store)["delete"] > 0
    second = run_until([*DRIVER, *DRIVER_DEFAULTS, "--chroma-batch", "1", "--", str(folder), "--store", str(store), "-v"],
                       r"recovering from an interrupted ingest")
    assert second.returncode == -signal.SIGKILL, "\n".join(second.lines[-20:])
    bot = fake_bot(store)
    try:
        bot.ingest([folder])
        counts = assert_consistent(bot, [folder])
    finally:
        bot.close()
    assert counts["articles"] == len(BASE) - 10


def test_killed_remove_is_finished_by_the_next_ingest(tmp_path):
    """`Assistant.remove` killed after its manifest commit: the next ingest drops the article's vectors.
    (The file is still in the folder, so the sync adds the article back, with fresh vectors.)"""
    folder, store = tmp_path / "articles", tmp_path / "store"
    write_articles(folder, BASE)
    ingest_in_process(store, folder)
    killed = run_until(
        [*DRIVER, "--remove", article_name(5), "--", str(folder), "--store", str(store)], r"deleting \d+ stale vectors"
    )
    assert killed.returncode == -signal.SIGKILL, "\n".join(killed.lines[-20:])
    after = state(store)
    assert after["delete"] > 0 and article_name(5) not in after["articles"]
    bot = fake_bot(store)
    try:
        bot.ingest([folder])
        assert_consistent(bot, [folder])
    finally:
        bot.close()


def test_real_ingest_py_killed_while_embedding_with_the_real_model(tmp_path, embedder):
    """The product's own `python ingest.py` and model: SIGKILL while it embeds, then the next ingest completes."""
    folder, store = tmp_path / "articles", tmp_path / "store"
    write_articles(folder, range(12))
    killed = run_until([sys.executable, "ingest.py", str(folder), "--store", str(store), "-v"], r"embedding \d+ chunks")
    assert killed.returncode == -signal.SIGKILL, "\n".join(killed.lines[-20:])
    assert state(store)["articles"] == {}, "nothing may be in the manifest before its vectors are"
    bot = Assistant.open(settings=Settings(store=store), embedder=embedder)
    try:
        report = bot.ingest([folder])
        assert report.added == 12
        assert_consistent(bot, [folder], check_vectors=5)
    finally:
        bot.close()


# --- damaged or incompatible stores: a clear StoreError that says --rebuild, never an empty store ------


def _garbage(path: Path) -> None:
    path.write_bytes(os.urandom(8192))


def _truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def _newer_schema(store: Path) -> None:
    db = sqlite3.connect(store / "manifest.sqlite3")
    with db:
        db.execute("UPDATE meta SET value='99' WHERE key='schema'")
    db.close()


DAMAGE = {
    "manifest is random bytes": (lambda s: _garbage(s / "manifest.sqlite3"), "corrupt"),
    "manifest is truncated": (lambda s: _truncate(s / "manifest.sqlite3"), "corrupt"),
    "manifest from a newer version": (_newer_schema, "manifest version 99"),
    "manifest deleted, vectors kept": (lambda s: (s / "manifest.sqlite3").unlink(), "manifest"),
    "Chroma database is random bytes": (lambda s: _garbage(s / "chroma" / "chroma.sqlite3"), "Chroma"),
    "Chroma database is truncated": (lambda s: _truncate(s / "chroma" / "chroma.sqlite3"), "Chroma"),
    "Chroma folder deleted": (lambda s: __import__("shutil").rmtree(s / "chroma"), "vector store"),
}


def _snapshot(store: Path) -> dict[str, bytes]:
    """The manifest and keyword index files (Chroma rewrites its own files whenever it opens: counted instead)."""
    return {str(p.relative_to(store)): p.read_bytes() for p in sorted(store.rglob("*")) if p.is_file()
            and not p.name.endswith(("-wal", "-shm", ".lock")) and "chroma" not in p.relative_to(store).parts}


def _vector_count(store: Path) -> int | None:
    from assistant import StoreError
    from assistant.store.vectors import VectorStore

    try:
        vs = VectorStore(path=store / "chroma")
    except StoreError:
        return None
    try:
        return vs.count()
    finally:
        vs.close()


@pytest.mark.parametrize("damage", list(DAMAGE), ids=list(DAMAGE))
def test_a_damaged_store_is_refused_with_the_fix_and_left_alone(damage, tmp_path, capsys):
    from assistant import StoreError
    from assistant.cli import ingest_main

    folder, store = tmp_path / "articles", tmp_path / "store"
    write_articles(folder, range(12))
    ingest_in_process(store, folder)
    harm, words = DAMAGE[damage]
    harm(store)
    before = _snapshot(store)
    vectors = _vector_count(store) if (store / "chroma").exists() and "Chroma" not in damage else None

    with pytest.raises(StoreError) as err:
        fake_bot(store)
    message = str(err.value)
    assert "python ingest.py --rebuild" in message and words in message, message
    after = _snapshot(store)
    assert {k: after.get(k) for k in before} == before, "a refused store must be left as it was"
    if vectors is not None:
        assert _vector_count(store) == vectors == 36, "the vectors of a refused store must be kept"

    # the command line says the same in one line and exits non-zero
    import assistant.assistant as assistant_module

    real = assistant_module.load_embedder
    assistant_module.load_embedder = lambda settings: FakeEmbedder()
    try:
        capsys.readouterr()
        assert ingest_main([str(folder), "--store", str(store)]) == 1
        err_lines = capsys.readouterr().err.strip().splitlines()
        assert err_lines[-1].startswith("error: ") and "--rebuild" in err_lines[-1]
        # and --rebuild starts the store afresh
        assert ingest_main([str(folder), "--store", str(store), "--rebuild"]) == 0
    finally:
        assistant_module.load_embedder = real
    bot = fake_bot(store)
    try:
        assert_consistent(bot, [folder])
    finally:
        bot.close()


def test_a_damaged_keyword_index_is_rebuilt(tmp_path):
    """The keyword index is derived data: garbage in it is rebuilt from the manifest, not an error."""
    folder, store = tmp_path / "articles", tmp_path / "store"
    write_articles(folder, range(12))
    ingest_in_process(store, folder)
    for p in (store / "keyword").iterdir():
        _garbage(p)
    bot = fake_bot(store)
    try:
        assert any(h.source == article_name(4) for h in bot.search("zorblat4 helps", k=3))
        bot.ingest([folder])
        assert_consistent(bot, [folder])
    finally:
        bot.close()


# --- kills inside Chroma's own save of its index, and inside its write and delete calls ----------------
# Chroma (1.x) saves its HNSW index in Rust, rewriting five files in place after every write call
# (store.SYNC_THRESHOLD). `--tear STATE` leaves the files as a kill at that point of the save would;
# `--kill-in-call-ms` kills from a timer while the call runs. Each trial: then an ordinary ingest and
# `check` must leave every chunk reachable, every vector a chunk's, and every chunk's text finding its article.

SAVE_STATES = ["before-save", "after-header", "mid-data", "before-pickle", "mid-pickle", "empty-pickle",
               "lost-links", "after-save"]


@dataclass
class SaveTrial:
    name: str
    mutate: Callable[[Path], None]
    args: list[str]


def _save_trials() -> list[SaveTrial]:
    trials = []
    for state in SAVE_STATES:
        trials.append(SaveTrial(f"vector write, save {state}", lambda f: write_articles(f, range(36, 52)),
                                ["--chroma-batch", "12", "--tear", state, "--tear-op", "upsert", "--tear-call", "2"]))
        trials.append(SaveTrial(f"stale delete, save {state}", _both(_delete(range(20, 26)), _edit(range(3, 9), 2)),
                                ["--chroma-batch", "6", "--tear", state, "--tear-op", "delete", "--tear-call", "2"]))
    # timers inside one Chroma call (192 upserts take ~30 ms here, 90 deletes ~15 ms; the Rust call
    # releases the GIL, so the timer fires inside it; on a much faster machine it may fire just after)
    for ms in (2, 20):
        trials.append(SaveTrial(f"vector write, timer {ms} ms", lambda f: write_articles(f, range(36, 100)),
                                ["--kill-in-call-ms", str(ms), "--tear-op", "upsert"]))
    for ms in (2, 8):
        trials.append(SaveTrial(f"stale delete, timer {ms} ms", _delete(range(0, 30)),
                                ["--kill-in-call-ms", str(ms), "--tear-op", "delete"]))
    trials.append(SaveTrial("between two delete calls", _delete(range(20, 30)),
                            ["--chroma-batch", "4", "--self-kill", r"deleting \d+ stale vectors"]))
    return trials


SAVE_TRIALS = _save_trials()


def _assert_every_chunk_finds_its_article(bot: Assistant) -> None:
    lost = [c for c in bot.chunks() if not any(h.root == c.root and h.source == c.source for h in bot.search(c.text, k=5))]
    assert not lost, f"{len(lost)} chunks whose own text does not find their article: {[c.source for c in lost[:5]]}"


@pytest.mark.parametrize("trial", SAVE_TRIALS, ids=[t.name for t in SAVE_TRIALS])
def test_kill_inside_chromas_save_is_found_and_repaired(trial: SaveTrial, tmp_path):
    folder, store = tmp_path / "articles", tmp_path / "store"
    write_articles(folder, BASE)
    ingest_in_process(store, folder)
    trial.mutate(folder)
    killed = run_until([*DRIVER, *trial.args, "--", str(folder), "--store", str(store), "-v"], None)
    log_text = "\n".join(killed.lines[-30:])
    assert killed.returncode == -signal.SIGKILL and "driver:" in log_text, log_text

    bot = fake_bot(store)  # never a raw traceback, never an unusable store
    try:
        bot.ingest([folder])
        assert_consistent(bot, [folder], check_vectors=5)
        _assert_every_chunk_finds_its_article(bot)
        report = bot.check(repair=False)
        assert report.ok and report.unreachable == report.missing == report.orphans == 0, str(report)
    finally:
        bot.close()


# --- `ingest.py --check` and damaged index files -----------------------------------------------------


def _quarter(path: Path) -> None:
    """Cut into the used part (a first save writes the whole capacity: 100 elements for 36 used)."""
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 4])


def _segment(store: Path) -> Path:
    return next(p for p in (store / "chroma").iterdir() if p.is_dir())


INDEX_DAMAGE = {
    "garbage index_metadata.pickle": lambda seg: _garbage(seg / "index_metadata.pickle"),
    "truncated index_metadata.pickle": lambda seg: _truncate(seg / "index_metadata.pickle"),
    "truncated data_level0.bin": lambda seg: _quarter(seg / "data_level0.bin"),
    "truncated length.bin": lambda seg: _quarter(seg / "length.bin"),
}


def _check_cli(store: Path, capsys) -> tuple[int, str]:
    import assistant.assistant as assistant_module
    from assistant.cli import ingest_main

    real = assistant_module.load_embedder
    assistant_module.load_embedder = lambda settings: FakeEmbedder()
    try:
        capsys.readouterr()
        code = ingest_main(["--check", "--store", str(store)])
        out = capsys.readouterr()
        return code, out.out + out.err
    finally:
        assistant_module.load_embedder = real


@pytest.mark.parametrize("damage", list(INDEX_DAMAGE), ids=list(INDEX_DAMAGE))
def test_damaged_index_files_are_rebuilt_from_the_manifest(damage, tmp_path, capsys):
    folder, store = tmp_path / "articles", tmp_path / "store"
    write_articles(folder, range(12))
    ingest_in_process(store, folder)
    INDEX_DAMAGE[damage](_segment(store))
    import chromadb

    chromadb.api.client.SharedSystemClient.clear_system_cache()  # as a new process would: read the files
    code, out = _check_cli(store, capsys)
    assert code == 0 and "rebuilt the vector index" in out and "consistent" in out, out
    bot = fake_bot(store)
    try:
        assert_consistent(bot, [folder])
    finally:
        bot.close()


def test_check_re_adds_missing_vectors_and_refuses_what_it_cannot_repair(tmp_path, capsys):
    folder, store = tmp_path / "articles", tmp_path / "store"
    write_articles(folder, range(12))
    ingest_in_process(store, folder)
    bot = fake_bot(store)
    lost = sorted(bot.vectors.ids())[:5]
    bot.vectors.delete(lost)
    bot.close()
    code, out = _check_cli(store, capsys)
    assert code == 0 and "re-added 5 vectors" in out, out
    bot = fake_bot(store)
    try:
        assert bot.check(repair=False).ok
        assert_consistent(bot, [folder])
    finally:
        bot.close()
    # damaged index files of a store built with another model cannot be rebuilt here: one line naming --rebuild
    db = sqlite3.connect(store / "manifest.sqlite3")
    with db:
        db.execute("UPDATE meta SET value='other-model' WHERE key='model'")
    db.close()
    _garbage(_segment(store) / "index_metadata.pickle")
    import chromadb

    chromadb.api.client.SharedSystemClient.clear_system_cache()
    code, out = _check_cli(store, capsys)
    assert code == 1 and "--rebuild" in out.strip().splitlines()[-1], out
