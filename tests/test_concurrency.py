"""Chatting while an ingest runs: 20 clients call the real app's `ask` API while `python ingest.py` adds a
few hundred articles to the same store, which the app picks up when it is done.

The app (`python app.py`) and the ingest run as the user would run them, each in its own process with
the real model. Zero errors are allowed, every answer must be well-formed, the ingest must complete,
the app must answer from the new articles afterwards, and the store must be consistent. The figures
(requests, p50/p95 latency during and after the ingest) are printed.

Duration: LOAD_TEST_SECONDS (default 60) of load at least, and until the ingest of LOAD_TEST_ARTICLES (default
200) articles has finished.
"""

from __future__ import annotations

import os
import re
import shutil
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass

import pytest

from assistant import Assistant, Settings

from .helpers_app import free_port, start_app
from .helpers_app import stop as stop_app
from .helpers_data import CORPUS, REPO
from .helpers_store import assert_consistent, write_articles
from .helpers_wait import wait_until

LOAD_SECONDS = float(os.environ.get("LOAD_TEST_SECONDS", "60"))
CLIENTS = 20
NEW_ARTICLES = int(os.environ.get("LOAD_TEST_ARTICLES", "200"))
QUESTIONS = [
    "why cramps at night?",
    "how do I stop a nosebleed?",
    "what can I do about snoring?",
    "how to get rid of hiccups",
    "am I drinking enough water?",
    "how much income tax do I owe?",
    "🦵💥🌙❓",
    "'; DROP TABLE chunks; --",
    "<script>alert(1)</script> leg cramps",
    "what helps zorblat12 after a warm bath?",
    "¿Por qué tengo calambres por la noche?",
]


def well_formed(markdown: str) -> bool:
    """The API's Markdown: an answer whose [n] markers all name a listed source, or a plain 'not covered'."""
    if not isinstance(markdown, str) or not markdown.strip():
        return False
    if "**Sources**" in markdown:
        answer, sources = markdown.split("**Sources**", 1)
        listed = {int(n) for n in re.findall(r"\*\*\[(\d+)\]\*\*", sources)}
        markers = {int(n) for n in re.findall(r"\[(\d+)\]", answer)}
        return bool(markers) and markers <= listed
    return "do not cover" in markdown


@dataclass
class Call:
    client: int
    started: float
    seconds: float
    ok: bool
    error: str = ""


@pytest.mark.slow
def test_twenty_clients_chat_while_another_process_ingests(tmp_path, embedder):
    from gradio_client import Client

    corpus, new_folder, store = tmp_path / "corpus", tmp_path / "new-articles", tmp_path / "store"
    corpus.mkdir()
    for name in ("leg-cramps-at-night.txt", "nosebleeds.txt", "snoring.txt", "hiccups.txt", "dehydration.md"):
        shutil.copy(CORPUS / name, corpus / name)
    write_articles(new_folder, range(NEW_ARTICLES))
    port = free_port()
    app, app_output = start_app(corpus, store, port)
    url = f"http://127.0.0.1:{port}/"
    calls: list[Call] = []
    stop = threading.Event()

    # Connect the clients first (their setup is not the load being measured). The client's HTTP timeout
    # is raised from 20 s to 10 min: a slow answer on a busy machine shows in the latency figures,
    # while an error means the app failed.
    clients = [Client(url, verbose=False, analytics_enabled=False, httpx_kwargs={"timeout": 600}) for _ in range(CLIENTS)]

    def client_loop(n: int) -> None:
        client = clients[n]
        i = n
        while not stop.is_set():
            q = QUESTIONS[i % len(QUESTIONS)]
            i += 1
            started = time.monotonic()
            try:
                md = client.predict(q, api_name="/ask")
                ok, error = well_formed(md), "" if well_formed(md) else f"malformed answer to {q!r}: {md[:300]!r}"
            except Exception as exc:  # noqa: BLE001 - every failure is counted and shown
                import traceback

                where = [ln.strip() for ln in traceback.format_exc().splitlines() if "gradio_client" in ln][-2:]
                ok, error = False, f"{q!r}: {type(exc).__name__}: {exc} at {where}"
            calls.append(Call(n, started, time.monotonic() - started, ok, error))

    probes: list[float] = []

    def probe_loop() -> None:
        """How long the app takes to serve its config: a frozen event loop shows here."""
        import httpx

        while not stop.is_set():
            started = time.monotonic()
            try:
                httpx.get(url + "config", timeout=120)
            except httpx.HTTPError:
                pass
            probes.append(time.monotonic() - started)
            stop.wait(1)  # one probe a second (a pace, not a wait for something)

    try:
        threading.Thread(target=probe_loop, daemon=True).start()
        threads = [threading.Thread(target=client_loop, args=(n,), daemon=True) for n in range(CLIENTS)]
        t0 = time.monotonic()
        for t in threads:
            t.start()
        # the clients are chatting when the ingest starts: each has had an answer
        wait_until(lambda: len({c.client for c in calls}) == CLIENTS, timeout=600, what="an answer for every client")
        env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")}
        ingest_started = time.monotonic()
        ingest = subprocess.Popen(
            [sys.executable, "ingest.py", str(new_folder), "--store", str(store)], cwd=REPO, env=env,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )
        ingest_output = ingest.communicate(timeout=1800)[0]
        ingest_done = time.monotonic()
        # the load lasts LOAD_SECONDS in all (time passing on purpose), and the app answers under load after
        # the ingest: every client has an answer to a question asked once the ingest was done
        stop.wait(max(0.0, LOAD_SECONDS - (time.monotonic() - t0)))
        wait_until(lambda: len({c.client for c in calls if c.started >= ingest_done}) == CLIENTS, timeout=600,
                   what="an answer for every client after the ingest")
        stop.set()
        for t in threads:
            t.join(timeout=300)
        load_done = time.monotonic()

        assert ingest.returncode == 0, ingest_output[-3000:]
        assert f"Articles: {NEW_ARTICLES} added" in ingest_output, ingest_output[-2000:]
        errors = [f"{c.started - ingest_started:+.0f} s from the ingest's start: {c.error}" for c in calls if not c.ok]
        assert not errors, (
            f"{len(errors)} of {len(calls)} requests failed (ingest ran for {ingest_done - ingest_started:.0f} s; "
            f"slowest probe of the app's page: {max(probes, default=0):.1f} s), e.g.:\n" + "\n".join(errors[:8])
        )
        during = sorted(c.seconds for c in calls if ingest_started <= c.started < ingest_done)
        after = sorted(c.seconds for c in calls if c.started >= ingest_done)
        assert len(during) >= CLIENTS, "too few requests were served while the ingest ran"

        # the app picked up the other process's ingest: a new article answers (no restart)
        word = f"zorblat{min(137, NEW_ARTICLES - 1)}"
        md = clients[0].predict(f"What helps {word} after coffee and a walk?", api_name="/ask")
        assert well_formed(md) and word in md.lower(), md[:500]
    finally:
        stop.set()
        stop_app(app)
    assert not [ln for ln in app_output if "Traceback" in ln], "".join(app_output[-40:])

    bot = Assistant.open(settings=Settings(store=store), embedder=embedder)
    try:
        counts = assert_consistent(bot, [corpus, new_folder], check_vectors=10)
    finally:
        bot.close()

    def pct(xs: list[float], p: float) -> float:
        return xs[min(len(xs) - 1, int(round(p * (len(xs) - 1))))] if xs else float("nan")

    every = sorted(c.seconds for c in calls)
    print(
        f"\nload: {CLIENTS} clients, {len(calls)} requests in {load_done - t0:.0f} s, 0 errors; "
        f"latency p50 {statistics.median(every):.2f} s, p95 {pct(every, 0.95):.2f} s\n"
        f"  during the ingest ({ingest_done - ingest_started:.0f} s, {NEW_ARTICLES} articles): {len(during)} requests, "
        f"p50 {pct(during, 0.5):.2f} s, p95 {pct(during, 0.95):.2f} s\n"
        f"  after it: {len(after)} requests, p50 {pct(after, 0.5):.2f} s, p95 {pct(after, 0.95):.2f} s\n"
        f"  store afterwards: {counts['articles']} articles, {counts['chunks']} chunks, consistent"
    )
