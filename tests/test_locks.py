"""One ingest at a time per store (an OS lock that dies with its process), and an `Assistant` shared by threads.

Two ingest processes on one store run one after the other, the second says it waits, and the store
ends consistent; a SIGKILLed ingest leaves no lock behind; threads asking questions of one
Assistant get the same answers as one thread does, also while an ingest runs in the same process
or in another process (which the Assistant picks up when it finishes).
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

import filelock
import pytest

from assistant import Answer, Assistant, Settings

from .helpers_answers import assert_well_formed
from .helpers_data import REPO
from .helpers_embedder import FakeEmbedder
from .helpers_proc import DRIVER, run_until
from .helpers_store import article_name, assert_consistent, write_articles

_STAMP = re.compile(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3})")


def _when(lines: list[str], pattern: str) -> datetime:
    for line in lines:
        if re.search(pattern, line) and (m := _STAMP.match(line)):
            return datetime.strptime(m[1], "%Y-%m-%d %H:%M:%S,%f")
    raise AssertionError(f"no log line matches {pattern!r}:\n" + "\n".join(lines[-20:]))


@pytest.mark.slow
def test_two_ingest_processes_are_serialised_and_the_second_is_told_it_waits(tmp_path):
    store, go = tmp_path / "store", tmp_path / "go"
    first_folder, second_folder = tmp_path / "first", tmp_path / "second"
    write_articles(first_folder, range(24))
    write_articles(second_folder, range(100, 112))
    # the first holds the lock and waits inside its embedding step until the test says go
    first = subprocess.Popen(
        [*DRIVER, "--hold-until", str(go), "--", str(first_folder), "--store", str(store), "-v"],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=_env(),
    )
    first_lines = _read_until(first, r"embedding \d+ chunks")
    second = subprocess.Popen(
        [*DRIVER, "--", str(second_folder), "--store", str(store), "-v"],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=_env(),
    )
    try:
        second_lines = _read_until(second, r"waiting for it to finish")
        time.sleep(1.0)  # the second keeps waiting while the first holds the lock
        go.touch()
        first_lines += first.communicate(timeout=600)[0].splitlines()
        second_lines += second.communicate(timeout=600)[0].splitlines()
    finally:
        for proc in (first, second):
            if proc.poll() is None:
                proc.kill()
    assert first.returncode == 0, "\n".join(first_lines[-20:])
    assert second.returncode == 0, "\n".join(second_lines[-20:])
    # a WARNING: shown at the CLI's default log level too (no -v needed)
    waiting = [ln for ln in second_lines if "waiting for it to finish" in ln]
    assert re.search(r"WARNING .*another ingest is running on .*: waiting for it to finish", waiting[0])
    assert any("Articles: 12 added" in ln for ln in second_lines)
    # the second did nothing to the store until the first had finished
    done_first = _when(first_lines, r"ingest done")
    assert _when(second_lines, r"sync .*: \d+ files") >= done_first
    assert not any(re.search(r"sync |embedding ", ln) for ln in second_lines[: second_lines.index(waiting[0])])
    bot = Assistant.open(settings=Settings(store=store), embedder=FakeEmbedder())
    try:
        assert_consistent(bot, [first_folder, second_folder])
    finally:
        bot.close()


def _read_until(proc: subprocess.Popen, pattern: str) -> list[str]:
    lines: list[str] = []
    assert proc.stdout is not None
    for line in proc.stdout:
        lines.append(line.rstrip("\n"))
        if re.search(pattern, line):
            return lines
    raise AssertionError(f"{pattern!r} never logged:\n" + "\n".join(lines[-20:]))


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONUNBUFFERED": "1", "PYTHONPATH": str(REPO)}


@pytest.mark.slow
def test_a_killed_ingest_leaves_no_lock_behind(tmp_path):
    store, folder = tmp_path / "store", tmp_path / "articles"
    write_articles(folder, range(24))
    killed = run_until([*DRIVER, "--delay", "0.05", "--", str(folder), "--store", str(store), "-v"],
                       r"embedding \d+ chunks")
    assert killed.returncode == -signal.SIGKILL
    lock = filelock.FileLock(str(store / "ingest.lock"))
    lock.acquire(timeout=0)  # raises Timeout if the dead process still held it
    lock.release()
    started = time.monotonic()
    bot = Assistant.open(settings=Settings(store=store), embedder=FakeEmbedder())
    try:
        report = bot.ingest([folder])
        assert report.added == 24
        assert time.monotonic() - started < 60
        assert_consistent(bot, [folder])
    finally:
        bot.close()


def test_the_store_is_locked_while_an_ingest_runs_and_free_after(tmp_path):
    """The lock is held for the whole sync (seen from another thread), and released after it."""
    folder = tmp_path / "articles"
    write_articles(folder, range(6))
    held: list[bool] = []

    class Probe(FakeEmbedder):
        def embed_documents(self, texts):
            lock = filelock.FileLock(str(tmp_path / "store" / "ingest.lock"))
            try:
                lock.acquire(timeout=0)
                lock.release()
                held.append(False)
            except filelock.Timeout:
                held.append(True)
            return super().embed_documents(texts)

    bot = Assistant.open(settings=Settings(store=tmp_path / "store"), embedder=Probe())
    try:
        bot.ingest([folder])
    finally:
        bot.close()
    assert held and all(held)
    filelock.FileLock(str(tmp_path / "store" / "ingest.lock")).acquire(timeout=0)


def test_threads_sharing_one_assistant_get_the_same_answers(shipped_bot):
    questions = [
        "why cramps at night?", "how do I stop hiccups?", "what helps a sunburn?", "how much income tax do I owe?",
        "why do my eyes feel dry after screens?", "can stress breathing exercises help?", "what causes dandruff?",
        "how to treat a sprained ankle", "is it a cold or the flu?", "nosebleed what to do",
    ]
    expected = {q: shipped_bot.ask(q) for q in questions}
    expected_hits = {q: [h.chunk_id for h in shipped_bot.search(q, k=5)] for q in questions}

    def work(i: int) -> tuple[str, Answer, list[str]]:
        q = questions[i % len(questions)]
        return q, shipped_bot.ask(q), [h.chunk_id for h in shipped_bot.search(q, k=5)]

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(work, range(3 * len(questions))))
    for q, answer, hits in results:
        assert_well_formed(answer)
        assert answer.text == expected[q].text and answer.covered == expected[q].covered, q
        assert [c.source for c in answer.citations] == [c.source for c in expected[q].citations]
        assert hits == expected_hits[q], q


def test_threads_ask_while_the_same_assistant_ingests(tmp_path):
    """In-process ingest (the app's upload / re-sync) while 6 threads ask: no errors, well-formed
    answers, and the store is consistent when the ingest is done."""
    folder = tmp_path / "articles"
    write_articles(folder, range(30))
    bot = Assistant.open(settings=Settings(store=tmp_path / "store"), embedder=FakeEmbedder())
    try:
        bot.ingest([folder])
        write_articles(folder, range(30, 90))
        write_articles(folder, range(0, 10), version=1)
        for i in range(20, 25):
            (folder / article_name(i)).unlink()
        errors: list[BaseException] = []
        answers: list[Answer] = []
        stop = threading.Event()

        def asker(n: int) -> None:
            while not stop.is_set():
                try:
                    a = bot.ask(f"what helps zorblat{n % 30} with sleep and water?")
                    assert_well_formed(a)
                    answers.append(a)
                    bot.search("muscle stretch at night", k=3)
                except BaseException as exc:  # noqa: BLE001 - collected and reported below
                    errors.append(exc)

        threads = [threading.Thread(target=asker, args=(n,)) for n in range(6)]
        for t in threads:
            t.start()
        try:
            report = bot.ingest([folder])
        finally:
            stop.set()
            for t in threads:
                t.join(timeout=60)
        assert not errors, repr(errors[:3])
        assert (report.added, report.updated, report.removed) == (60, 10, 5)
        assert len(answers) > 6
        assert_consistent(bot, [folder])
        # the article added during the asks reached the keyword index (the fake embedder hashes
        # every zorblatN alike, so only BM25 tells them apart)
        found = bot.manifest.chunks_by_id([cid for cid, _ in bot.retriever.keyword().search("zorblat80", 5)])
        assert any(c.source == article_name(80) for c in found.values())
    finally:
        bot.close()


@pytest.mark.slow
def test_threads_ask_while_another_process_ingests_and_then_see_its_articles(tmp_path):
    """The app's situation with `python ingest.py` running beside it: questions keep being answered
    from the current view while the other process writes, and its articles appear when it is done."""
    store, folder = tmp_path / "store", tmp_path / "articles"
    write_articles(folder, range(30))
    bot = Assistant.open(settings=Settings(store=store), embedder=FakeEmbedder())
    try:
        bot.ingest([folder])
        write_articles(folder, range(30, 70))
        write_articles(folder, range(0, 5), version=1)
        for i in range(10, 14):
            (folder / article_name(i)).unlink()
        errors: list[BaseException] = []
        served = [0]
        stop = threading.Event()

        def asker(n: int) -> None:
            while not stop.is_set():
                try:
                    assert_well_formed(bot.ask(f"zorblat{n} stretch and warm bath?"))
                    served[0] += 1
                except BaseException as exc:  # noqa: BLE001
                    errors.append(exc)

        threads = [threading.Thread(target=asker, args=(n,)) for n in range(4)]
        for t in threads:
            t.start()
        try:
            other = subprocess.run(
                [*DRIVER, "--delay", "0.02", "--flush", "24", "--chroma-batch", "8", "--", str(folder),
                 "--store", str(store), "-v"],
                cwd=REPO, capture_output=True, text=True, env=_env(), timeout=600,
            )
        finally:
            stop.set()
            for t in threads:
                t.join(timeout=60)
        assert other.returncode == 0, other.stderr[-3000:]
        assert not errors, repr(errors[:3])
        assert served[0] > 4
        # the next question picks up the other process's ingest: new articles found, deleted ones gone
        found = bot.manifest.chunks_by_id([cid for cid, _ in bot.retriever.keyword().search("zorblat65", 5)])
        assert any(c.source == article_name(65) for c in found.values())  # BM25 alone tells zorblatN apart
        assert all(h.source != article_name(11) for h in bot.search("zorblat11 sleep water", k=10))
        assert_consistent(bot, [folder])
    finally:
        bot.close()
