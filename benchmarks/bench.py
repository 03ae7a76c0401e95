"""Speed and scale benchmark: ingest, re-sync, query latency, memory, app start, scaling curve,
for the embedded Chroma store and for a Chroma server, side by side.

    python benchmarks/bench.py [--corpus FOLDER] [--quick] [--json results.json] [--no-server]

Default corpus: ../shared/data/medquad/articles (5,476 articles). Every phase runs in its own
process (fresh model load, its own peak RSS). The full run takes about 30-45 minutes on 2 cores;
`--quick` ingests 150 articles and runs small samples (a few minutes). The figures are meant for
docs/BENCHMARKS.md; goals are those of issue 5.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DATA = Path(os.environ.get("ASSISTANT_SHARED_DATA") or REPO.parent / "shared" / "data")  # as assistant.eval.data.SHARED
DEFAULT_CORPUS = DATA / "medquad" / "articles"
QUESTIONS = DATA / "medquad" / "dev_questions.jsonl"
sys.path.insert(0, str(REPO))

GOALS = {
    "ratio": 0.9, "resync_s": 5.0, "search_p50_ms": 30.0, "ask_p50_ms": 150.0, "ingest_rss_mb": 2048,
    "app_start_s": 10.0, "medquad_ingest_s": 480.0,
}


# --- helpers -----------------------------------------------------------------------------------


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def pct(values: list[float], q: float) -> float:
    s = sorted(values)
    if not s:
        return float("nan")
    i = min(len(s) - 1, max(0, round(q / 100 * (len(s) - 1))))
    return s[i]


def questions(n: int, seed: int = 5) -> list[str]:
    qs = [json.loads(line)["question"] for line in QUESTIONS.read_text().splitlines() if line.strip()]
    random.Random(seed).shuffle(qs)
    return qs[:n]


def settings_from_env(store: Path):
    from assistant import Settings

    return Settings.from_env(store=store)


def emit(result: dict) -> None:
    result.setdefault("peak_rss_mb", round(peak_rss_mb()))
    result.setdefault("loadavg", [round(x, 1) for x in os.getloadavg()])
    print("RESULT " + json.dumps(result), flush=True)


# --- phases (each in its own process) ----------------------------------------------------------


def phase_prepare(a: argparse.Namespace) -> None:
    """Load (and on a fresh machine build) the embedding model once, outside every timing."""
    from assistant.embedding.embedder import load_embedder

    t = time.perf_counter()
    emb = load_embedder(settings_from_env(Path(a.store)))
    emit({"backend": emb.backend, "model": emb.name, "load_s": round(time.perf_counter() - t, 2),
          "model_file": getattr(emb, "model_file", "")})


def open_and_ingest(a: argparse.Namespace):
    """Open the store (timed: model load, Chroma, manifest) and sync the corpus into it."""
    from assistant import Assistant

    t = time.perf_counter()
    bot = Assistant.open(settings=settings_from_env(Path(a.store)))
    open_s = time.perf_counter() - t
    report = bot.ingest([a.corpus])
    return bot, open_s, report, time.perf_counter() - t


def phase_ingest(a: argparse.Namespace) -> None:
    bot, open_s, report, _ = open_and_ingest(a)
    emit({
        "open_s": round(open_s, 2), "seconds": round(report.seconds, 2), "articles": report.added + report.updated,
        "chunks": report.chunks, "skipped": len(report.skipped), "unchanged": report.unchanged,
        "chunks_per_s": round(report.chunks / report.seconds, 2) if report.seconds else None,
        "backend": bot.embedder.backend, "batch_size": bot.settings.embed_batch_size,
    })


def phase_raw(a: argparse.Namespace) -> None:
    """The encoder alone on a sample of the very texts the pipeline embedded, same batch size and
    the same call size (a flush of FLUSH_CHUNKS texts)."""
    from assistant.embedding.embedder import load_embedder
    from assistant.ingest.sync import FLUSH_CHUNKS
    from assistant.store.manifest import Manifest

    settings = settings_from_env(Path(a.store))
    manifest = Manifest(Path(a.store) / "manifest.sqlite3")
    texts = [r[0] for r in manifest.read().execute("SELECT embedded_text FROM chunks ORDER BY rowid")]
    emb = load_embedder(settings)
    all_tokens = sum(emb.count_tokens(texts))
    sample = random.Random(11).sample(texts, min(a.sample, len(texts)))
    tokens = sum(emb.count_tokens(sample))
    emb.embed_documents(sample[:64])  # warm-up (sessions, allocator)
    t = time.perf_counter()
    for start in range(0, len(sample), FLUSH_CHUNKS):
        emb.embed_documents(sample[start : start + FLUSH_CHUNKS])
    seconds = time.perf_counter() - t
    emit({
        "texts": len(sample), "seconds": round(seconds, 2), "chunks_per_s": round(len(sample) / seconds, 2),
        "tokens_per_s": round(tokens / seconds), "sample_mean_tokens": round(tokens / len(sample), 1),
        "store_chunks": len(texts), "store_tokens": all_tokens,
        "store_mean_tokens": round(all_tokens / max(1, len(texts)), 1), "batch_size": settings.embed_batch_size,
    })


def phase_resync(a: argparse.Namespace) -> None:
    _, open_s, report, total_s = open_and_ingest(a)
    emit({
        "open_s": round(open_s, 2), "sync_s": round(report.seconds, 2), "total_s": round(total_s, 2),
        "embedded": report.chunks, "unchanged": report.unchanged,
    })


def phase_query(a: argparse.Namespace) -> None:
    from assistant import Assistant

    t = time.perf_counter()
    bot = Assistant.open(settings=settings_from_env(Path(a.store)))
    open_s = time.perf_counter() - t
    qs = questions(a.n)
    t = time.perf_counter()
    bot.search(qs[0], k=5)
    first_s = time.perf_counter() - t
    for q in qs[1:4]:  # warm-up: first runs of the sessions, Chroma's index load, SQLite cache
        bot.search(q, k=5)
        if not a.search_only:
            bot.ask(q).answer()
    search_ms, search_cpu = [], []
    for q in qs:
        t, c = time.perf_counter(), time.process_time()
        bot.search(q, k=5)
        search_ms.append((time.perf_counter() - t) * 1000)
        search_cpu.append((time.process_time() - c) * 1000)
    out = {
        "open_s": round(open_s, 2), "first_search_s": round(first_s, 3), "n": len(qs),
        "chunks": bot.manifest.count_chunks(),
        "search_p50_ms": round(pct(search_ms, 50), 1), "search_p95_ms": round(pct(search_ms, 95), 1),
        "search_mean_ms": round(statistics.mean(search_ms), 1), "search_cpu_p50_ms": round(pct(search_cpu, 50), 1),
    }
    if not a.search_only:
        ask_ms, ask_cpu, covered = [], [], 0
        for q in qs:
            t, c = time.perf_counter(), time.process_time()
            ans = bot.ask(q).answer()
            ask_ms.append((time.perf_counter() - t) * 1000)
            ask_cpu.append((time.process_time() - c) * 1000)
            covered += ans.covered
        out.update({
            "ask_p50_ms": round(pct(ask_ms, 50), 1), "ask_p95_ms": round(pct(ask_ms, 95), 1),
            "ask_mean_ms": round(statistics.mean(ask_ms), 1), "ask_cpu_p50_ms": round(pct(ask_cpu, 50), 1),
            "covered": covered,
        })
    emit(out)


def phase_scale(a: argparse.Namespace) -> None:
    """Build a store of about `a.size` chunks from an ingested one without embedding: whole articles
    are taken in order, and beyond the source's size the corpus is copied under other folder names
    (new roots, so new chunk ids) with the same vectors."""
    from dataclasses import replace

    import numpy as np

    from assistant import Assistant, Settings
    from assistant.ingest.chunking import chunk_id
    from assistant.ingest.sync import FLUSH_CHUNKS

    # the source is the embedded store of the main run, whatever deployment is being measured
    src = Assistant.open(settings=Settings.from_env(store=Path(a.source)).with_(chroma_host=None,
                                                                                collection=Settings().collection))
    infos = {(i.root, i.source): i for i in src.articles()}
    fingerprints = {k: v.fingerprint for k, v in src.manifest.stored_articles().items()}
    by_article: dict[tuple[str, str], list] = {}
    for c in src.chunks():
        by_article.setdefault((c.root, c.source), []).append(c)
    ids = [c.id for cs in by_article.values() for c in cs]
    vectors: dict[str, np.ndarray] = {}
    for start in range(0, len(ids), 5000):
        vectors.update(src.vectors.vectors(ids[start : start + 5000]))
    t = time.perf_counter()
    dst = Assistant.open(settings=settings_from_env(Path(a.store)), embedder=src.embedder)
    total, copy = 0, 0
    articles: list[tuple] = []
    pending: list[tuple] = []

    def flush() -> None:
        with dst.manifest.write() as db:
            for info, root, new in articles:  # the original's fingerprint: a re-sync finds it unchanged
                fp = fingerprints[(info.root, info.source)] if root == info.root else "copy"
                dst.manifest.put_article(db, root, info.source, fp, info.title, info.url, info.sections, new)
            db.execute("UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key='generation'")
        dst.vectors.upsert([p[0] for p in pending], np.stack([p[1] for p in pending]), [p[2] for p in pending])
        articles.clear()
        pending.clear()

    while total < a.size:
        for key, cs in by_article.items():
            if total >= a.size:
                break
            info = infos[key]
            root = info.root if copy == 0 else f"{info.root}-copy{copy}"
            new = [replace(c, root=root, id=chunk_id(root, c.source, c.position, c.embedded_text)) for c in cs]
            articles.append((info, root, new))
            pending += [(n.id, vectors[c.id], {"root": root, "source": c.source, "position": c.position})
                        for n, c in zip(new, cs, strict=True)]
            total += len(new)
            if len(pending) >= FLUSH_CHUNKS * 8:
                flush()
        copy += 1
    if pending:
        flush()
    build_vec = time.perf_counter() - t
    t = time.perf_counter()
    dst.ingest([])  # no folder: only writes the keyword index for the manifest's chunks
    emit({"chunks": dst.manifest.count_chunks(), "copies": copy, "vectors_s": round(build_vec, 1),
          "keyword_s": round(time.perf_counter() - t, 1), "flush": FLUSH_CHUNKS})


def phase_keyword_memory(a: argparse.Namespace) -> None:
    """The keyword side at this size: RSS of the loaded BM25 index and of the heading index, the
    peak RSS and time of rebuilding the BM25 index from the manifest, and pure BM25 query time."""
    import gc

    import psutil

    from assistant.store.headings import HeadingIndex
    from assistant.store.keyword import KeywordIndex, index_text
    from assistant.store.manifest import Manifest

    proc = psutil.Process()
    rss = lambda: proc.memory_info().rss  # noqa: E731
    gc.collect()
    base = rss()
    directory = Path(a.store) / "keyword"
    t = time.perf_counter()
    index = KeywordIndex.load(directory)
    load_s = time.perf_counter() - t
    gc.collect()
    loaded = rss()
    n = len(index) if index is not None else 0
    disk = sum(f.stat().st_size for f in directory.rglob("*") if f.is_file())
    qs = questions(50)
    times = []
    for q in qs:
        t = time.perf_counter()
        index.search(q, 80)
        times.append((time.perf_counter() - t) * 1000)
    manifest = Manifest(Path(a.store) / "manifest.sqlite3")
    gc.collect()
    before_headings = rss()
    headings = HeadingIndex.from_manifest(manifest, index.generation)
    gc.collect()
    headings_mb = (rss() - before_headings) / 2**20
    del headings
    gc.collect()
    # rebuild from the manifest as an ingest does: the transient peak is what limits the size
    before_build = rss()
    peak_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    t = time.perf_counter()
    ids, texts = [], []
    for c in manifest.iter_chunks():
        ids.append(c.id)
        texts.append(index_text(c.title, c.section, c.text))
    rebuilt = KeywordIndex.build(ids, texts, 0)
    build_s = time.perf_counter() - t
    peak_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    build_peak = max(0, peak_after - max(peak_before, before_build))
    emit({
        "chunks": n, "rss_mb": round((loaded - base) / 2**20, 1),
        "bytes_per_chunk_rss": round((loaded - base) / max(1, n)), "disk_mb": round(disk / 2**20, 1),
        "load_s": round(load_s, 2), "bm25_p50_ms": round(pct(times, 50), 2), "headings_mb": round(headings_mb, 1),
        "rebuild_s": round(build_s, 1), "rebuild_peak_extra_mb": round(build_peak / 2**20),
        "rebuilt_chunks": len(rebuilt),
    })


PHASES = {
    "prepare": phase_prepare, "ingest": phase_ingest, "raw": phase_raw, "resync": phase_resync,
    "query": phase_query, "scale": phase_scale, "keyword_memory": phase_keyword_memory,
}


# --- the orchestrator ----------------------------------------------------------------------------


class Runner:
    def __init__(self, env: dict[str, str], log_dir: Path):
        self.env, self.log_dir = env, log_dir

    def run(self, phase: str, *args: str, extra_env: dict[str, str] | None = None) -> dict:
        cmd = [sys.executable, str(Path(__file__).resolve()), "--phase", phase, *args]
        env = {**self.env, **(extra_env or {})}
        log_file = self.log_dir / f"{phase}-{int(time.time() * 1000)}.log"
        t = time.perf_counter()
        proc = subprocess.run(cmd, env=env, cwd=REPO, capture_output=True, text=True)
        log_file.write_text(proc.stdout + "\n--- stderr ---\n" + proc.stderr)
        for line in proc.stdout.splitlines():
            if line.startswith("RESULT "):
                result = json.loads(line[len("RESULT ") :])
                result["wall_s"] = round(time.perf_counter() - t, 1)
                return result
        raise SystemExit(f"phase {phase} failed (exit {proc.returncode}); log: {log_file}\n{proc.stderr[-2000:]}")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url: str, timeout: float, proc: subprocess.Popen | None = None) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            return False
        try:
            with urllib.request.urlopen(url, timeout=2) as r:  # noqa: S310 - 127.0.0.1 only
                if r.status < 500:
                    return True
        except OSError:
            pass
        time.sleep(0.1)
    return False


def stop_process(proc: subprocess.Popen, timeout: float = 20) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()


def tree_rss_mb(pid: int) -> float:
    import psutil

    try:
        p = psutil.Process(pid)
        procs = [p, *p.children(recursive=True)]
        return sum(x.memory_info().rss for x in procs if x.is_running()) / 2**20
    except psutil.Error:
        return float("nan")


def app_start(store: Path, corpus: Path, env: dict[str, str], log_dir: Path) -> dict:
    """`python app.py --store STORE --no-sync` until its port answers HTTP."""
    port = free_port()
    cmd = [sys.executable, "app.py", "--store", str(store), "--corpus", str(corpus), "--no-sync",
           "--port", str(port)]
    log = (log_dir / f"app-{port}.log").open("w")
    t = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        ok = wait_http(f"http://127.0.0.1:{port}/", 180, proc)
        seconds = time.perf_counter() - t
        time.sleep(3)  # the app's background warm-up question
        rss = tree_rss_mb(proc.pid)
    finally:
        stop_process(proc)
        log.close()
    if not ok:
        return {"error": f"app did not answer (see {log.name})"}
    return {"seconds": round(seconds, 2), "rss_mb": round(rss)}


class ChromaServer:
    def __init__(self, path: Path, log_dir: Path):
        self.port = free_port()
        exe = Path(sys.executable).with_name("chroma")
        self.log = (log_dir / "chroma-server.log").open("w")
        self.proc = subprocess.Popen(
            [str(exe if exe.exists() else "chroma"), "run", "--path", str(path), "--host", "127.0.0.1",
             "--port", str(self.port)], stdout=self.log, stderr=subprocess.STDOUT,
            env={**os.environ, "ANONYMIZED_TELEMETRY": "False"},
        )
        if not wait_http(f"http://127.0.0.1:{self.port}/api/v2/heartbeat", 120, self.proc):
            self.stop()
            raise SystemExit(f"the Chroma server did not start; see {self.log.name}")

    def rss_mb(self) -> float:
        return tree_rss_mb(self.proc.pid)

    def stop(self) -> None:
        stop_process(self.proc)
        self.log.close()


def machine() -> dict:
    import psutil

    cpu = platform.processor() or ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    import onnxruntime
    import torch

    return {
        "cpu": cpu, "cores": os.cpu_count(), "ram_gb": round(psutil.virtual_memory().total / 2**30, 1),
        "python": platform.python_version(), "os": platform.platform(), "onnxruntime": onnxruntime.__version__,
        "torch": torch.__version__, "loadavg_start": [round(x, 1) for x in os.getloadavg()],
    }


def sample_corpus(src: Path, dst: Path, n: int, seed: int = 3) -> Path:
    """n articles of src picked at random (seeded), copied to dst."""
    files = sorted(p for p in src.rglob("*") if p.is_file())
    random.Random(seed).shuffle(files)
    dst.mkdir(parents=True, exist_ok=True)
    for f in files[:n]:
        target = dst / f.relative_to(src)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(f, target)
    return dst


def say(name: str, msg: str) -> None:
    print(f"[{name}] {msg}", flush=True)


def run_embedded(runner: Runner, corpus: Path, work: Path, a: argparse.Namespace) -> dict:
    """The default deployment: ingest the corpus for real (the headline), then everything else."""
    store, res = work / "store-embedded", {}
    say("embedded", f"ingest {corpus} ...")
    res["ingest"] = runner.run("ingest", "--store", str(store), "--corpus", str(corpus))
    say("embedded", f"  {res['ingest']}")
    say("embedded", f"raw encoder on {a.sample} of the same texts, same batch size (fresh process) ...")
    res["raw"] = runner.run("raw", "--store", str(store), "--sample", str(a.sample))
    say("embedded", f"  {res['raw']}")
    common(runner, "embedded", store, corpus, a, {}, res)
    res["store"] = str(store)
    return res


def common(runner: Runner, name: str, store: Path, corpus: Path, a: argparse.Namespace, env: dict,
           res: dict) -> None:
    say(name, "re-sync of the unchanged corpus ...")
    res["resync"] = runner.run("resync", "--store", str(store), "--corpus", str(corpus), extra_env=env)
    say(name, f"  {res['resync']}")
    say(name, f"query latency ({a.questions} dev questions) ...")
    res["query"] = runner.run("query", "--store", str(store), "--n", str(a.questions), extra_env=env)
    say(name, f"  {res['query']}")
    if not a.no_app:
        say(name, "app start on the existing store ...")
        res["app"] = app_start(store, corpus, {**runner.env, **env}, runner.log_dir)
        say(name, f"  {res['app']}")


def run_server(runner: Runner, corpus: Path, work: Path, a: argparse.Namespace, env: dict, full: Path,
               n_all: int) -> dict:
    """A Chroma server holding the same store: its collection is filled from the embedded store's
    vectors (no second full embedding run); ingest throughput is measured on a sample of articles."""
    res: dict = {}
    store = work / "store-server"
    say("server", f"filling the server collection with the {n_all} stored vectors ...")
    res["fill"] = runner.run("scale", "--store", str(store), "--source", str(full), "--size", str(n_all),
                             extra_env=env)
    say("server", f"  {res['fill']}")
    common(runner, "server", store, corpus, a, env, res)
    sample = sample_corpus(corpus, work / "server-ingest-corpus", a.server_articles)
    say("server", f"ingest throughput on {a.server_articles} articles ...")
    res["ingest"] = runner.run("ingest", "--store", str(work / "store-server-ingest"), "--corpus", str(sample),
                               extra_env={**env, "ASSISTANT_COLLECTION": "ingest_sample"})
    say("server", f"  {res['ingest']}")
    res["ingest"]["note"] = f"{a.server_articles} random articles"
    return res


def scaling(runner: Runner, source: Path, work: Path, sizes: list[int], a: argparse.Namespace, name: str,
            env_extra: dict, existing: dict[int, Path] | None = None) -> list[dict]:
    out = []
    for size in sizes:
        env = {**env_extra}
        if "ASSISTANT_CHROMA_HOST" in env:
            env["ASSISTANT_COLLECTION"] = f"scale_{size}"
        row: dict = {"target": size}
        if existing and size in existing:
            store = existing[size]
            env.pop("ASSISTANT_COLLECTION", None)
        else:
            store = work / f"scale-{name}-{size}"
            say(name, f"scaling: building {size} chunks from stored vectors ...")
            row.update(runner.run("scale", "--store", str(store), "--source", str(source), "--size", str(size),
                                  extra_env=env))
        q = runner.run("query", "--store", str(store), "--n", str(a.scale_questions), "--search-only", extra_env=env)
        row.update({"chunks": q["chunks"], "search_p50_ms": q["search_p50_ms"], "search_p95_ms": q["search_p95_ms"],
                    "search_cpu_p50_ms": q["search_cpu_p50_ms"], "query_rss_mb": q["peak_rss_mb"],
                    "open_s": q["open_s"]})
        if name == "embedded":
            row["keyword"] = runner.run("keyword_memory", "--store", str(store))
        say(name, f"  {row}")
        out.append(row)
    return out


def _get(d: dict | None, *keys: str):
    for k in keys:
        if not isinstance(d, dict) or k not in d:
            return None
        d = d[k]
    return d


def report(results: dict) -> None:
    m, emb = results["machine"], results["embedded"]
    srv = results.get("server")
    print("\n" + "=" * 86)
    print(f"Machine: {m['cpu']}, {m['cores']} cores, {m['ram_gb']} GB RAM; onnxruntime {m['onnxruntime']}, "
          f"torch {m['torch']}; load average at start {m['loadavg_start']}, at end {results.get('loadavg_end')}")
    ing, raw = emb["ingest"], emb["raw"]
    print(f"Corpus: {results['corpus']}{' (quick sample)' if results['quick'] else ''}: {ing['articles']} articles, "
          f"{ing['chunks']} chunks, {raw['store_tokens']:,} word pieces (mean {raw['store_mean_tokens']}/chunk); "
          f"embedder {ing['backend']}, batch {ing['batch_size']}")

    def row(label: str, e, s, goal: str = "") -> None:
        print(f"  {label:40s} {'-' if e is None else str(e):>12s} {'-' if s is None else str(s):>12s}   {goal}")

    g = _get
    print(f"\n  {'':40s} {'embedded':>12s} {'server':>12s}   goal")
    row("ingest: seconds", g(emb, "ingest", "seconds"), g(srv, "ingest", "seconds"),
        f"<= {GOALS['medquad_ingest_s']:.0f} s for MedQuAD" + (f" (server: {g(srv, 'ingest', 'note')})" if srv else ""))
    row("ingest: chunks/s, pipeline", g(emb, "ingest", "chunks_per_s"), g(srv, "ingest", "chunks_per_s"))
    row("raw encoder: chunks/s, same texts", raw["chunks_per_s"], None)
    ratio = lambda d: round(d["chunks_per_s"] / raw["chunks_per_s"], 2) if d else None  # noqa: E731
    row("pipeline / raw encoder", ratio(emb.get("ingest")), ratio(srv.get("ingest") if srv else None),
        f">= {GOALS['ratio']}")
    row("ingest: peak RSS MB", g(emb, "ingest", "peak_rss_mb"), g(srv, "ingest", "peak_rss_mb"), "<= 2048")
    row("re-sync unchanged: sync s", g(emb, "resync", "sync_s"), g(srv, "resync", "sync_s"), "<= 5 s")
    row("re-sync: open + sync s", g(emb, "resync", "total_s"), g(srv, "resync", "total_s"))
    for k, goal in [("search_p50_ms", "<= 30 ms"), ("search_p95_ms", "<= 2x p50"), ("search_cpu_p50_ms", ""),
                    ("ask_p50_ms", "<= 150 ms"), ("ask_p95_ms", "<= 2x p50"), ("ask_cpu_p50_ms", "")]:
        row(f"query: {k}", g(emb, "query", k), g(srv, "query", k), goal)
    row("query: first search s (cold)", g(emb, "query", "first_search_s"), g(srv, "query", "first_search_s"))
    row("query: peak RSS MB", g(emb, "query", "peak_rss_mb"), g(srv, "query", "peak_rss_mb"))
    row("app start to HTTP s (--no-sync)", g(emb, "app", "seconds"), g(srv, "app", "seconds"), "<= 10 s")
    row("app RSS MB", g(emb, "app", "rss_mb"), g(srv, "app", "rss_mb"))
    if srv:
        row("Chroma server RSS MB (all chunks)", None, srv.get("server_rss_mb"))
    print("\n  scaling: search p50 / p95 wall ms (p50 CPU ms), query-process peak RSS MB")
    for label in ("embedded", "server"):
        for r in results.get(f"scaling_{label}", []):
            kw = r.get("keyword", {})
            extra = (f"\n{'':22s}BM25 index {kw.get('rss_mb')} MB RSS ({kw.get('bytes_per_chunk_rss')} B/chunk), "
                     f"{kw.get('disk_mb')} MB on disk, BM25 alone p50 {kw.get('bm25_p50_ms')} ms; heading index "
                     f"{kw.get('headings_mb')} MB; rebuild {kw.get('rebuild_s')} s, peak +{kw.get('rebuild_peak_extra_mb')} MB"
                     if kw else "")
            print(f"    {label:8s} {r['chunks']:>8,} chunks: {r['search_p50_ms']:>6} / {r['search_p95_ms']:<6} "
                  f"({r['search_cpu_p50_ms']}) RSS {r['query_rss_mb']}{extra}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    ap.add_argument("--quick", action="store_true", help="80 random articles, small samples: for iteration")
    ap.add_argument("--json", type=Path, help="also write all results to this file")
    ap.add_argument("--work", type=Path, help="keep stores and logs here (default: a temp folder, removed)")
    ap.add_argument("--no-server", action="store_true", help="skip the Chroma server column")
    ap.add_argument("--no-app", action="store_true", help="skip the app start measurement")
    ap.add_argument("--sample", type=int, default=3000, help="texts for the raw encoder figure")
    ap.add_argument("--questions", type=int, default=200)
    ap.add_argument("--scale-questions", type=int, default=100)
    ap.add_argument("--scale", default="1000,10000,all,110000", help="sizes of the scaling curve")
    ap.add_argument("--server-articles", type=int, default=300, help="articles ingested into the server")
    # internal: run one phase
    ap.add_argument("--phase", choices=sorted(PHASES), help=argparse.SUPPRESS)
    ap.add_argument("--store", help=argparse.SUPPRESS)
    ap.add_argument("--source", help=argparse.SUPPRESS)
    ap.add_argument("--size", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--n", type=int, default=200, help=argparse.SUPPRESS)
    ap.add_argument("--search-only", action="store_true", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.phase:
        import logging

        logging.basicConfig(level=logging.WARNING)
        PHASES[a.phase](a)
        return

    if not a.corpus.is_dir():
        raise SystemExit(f"corpus folder not found: {a.corpus}")
    work = a.work or Path(tempfile.mkdtemp(prefix="assistant-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    logs = work / "logs"
    logs.mkdir(exist_ok=True)
    corpus = a.corpus.resolve()
    if a.quick:
        corpus = sample_corpus(corpus, work / "quick-corpus", 80)
        a.sample, a.questions, a.scale_questions = min(a.sample, 300), min(a.questions, 40), 30
        a.scale, a.server_articles = "1000,all,3000", min(a.server_articles, 20)
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("ASSISTANT_CHROMA") and k not in ("ASSISTANT_STORE", "ASSISTANT_COLLECTION")}
    runner = Runner(env, logs)
    started = time.perf_counter()
    results: dict = {"machine": machine(), "corpus": str(a.corpus), "quick": a.quick, "work": str(work)}
    print(f"work folder: {work}", flush=True)
    try:
        results["prepare"] = runner.run("prepare", "--store", str(work / "prepare-store"))
        print(f"embedder: {results['prepare']}", flush=True)
        results["embedded"] = run_embedded(runner, corpus, work, a)
        full = Path(results["embedded"]["store"])
        n_all = results["embedded"]["ingest"]["chunks"]
        sizes = sorted({n_all if s == "all" else int(s) for s in a.scale.split(",")})
        results["scaling_embedded"] = scaling(runner, full, work, sizes, a, "embedded", {}, {n_all: full})
        if not a.no_server:
            server = ChromaServer(work / "chroma-server", logs)
            try:
                senv = {"ASSISTANT_CHROMA_HOST": "127.0.0.1", "ASSISTANT_CHROMA_PORT": str(server.port)}
                results["server"] = run_server(runner, corpus, work, a, senv, full, n_all)
                results["server"]["server_rss_mb"] = round(server.rss_mb())
                results["scaling_server"] = scaling(runner, full, work, sizes, a, "server", senv,
                                                    {n_all: work / "store-server"})
            finally:
                server.stop()
    finally:
        results["total_s"] = round(time.perf_counter() - started, 1)
        results["loadavg_end"] = [round(x, 1) for x in os.getloadavg()]
        if a.json:
            a.json.write_text(json.dumps(results, indent=1))
    report(results)
    print(f"\ntotal benchmark time: {results['total_s'] / 60:.1f} min; stores and logs in {work}")
    if a.work is None:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
