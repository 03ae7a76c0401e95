"""Recall of Chroma's approximate search (HNSW) against exact search (numpy), and what its settings cost.

    python benchmarks/recall.py [--cache .eval-cache] [--store NAME=DIR ...] [--efs 100,128,...] [--json FILE]

For each store (an Assistant store folder; by default the MedQuAD and MEDIQA stores that
`python -m assistant.eval --suite` caches in .eval-cache/), read-only: its Chroma folder is copied to a
temporary folder and every vector read from the copy. Queries: the store's dev questions and the headings
("title › section") of 300 of its chunks, embedded as questions with the packaged model. The exact top 10 of
each query is numpy's (a vector tying the 10th counts as right); the approximate top 10 is the first 10
that Chroma returns:
- with n_results=10, and with n_results=80 as the product asks (`Settings.candidates`: dense search asks for
  80 candidates, so hnswlib searches with ef = max(ef_search, 80)), for each `ef_search` in --efs;
- on the store's own index as it was built, and on indexes built again from the same vectors with other
  construction settings (max_neighbors M, ef_construction), twice each: HNSW builds differ run to run;
- and on a store with near-duplicates: the MEDIQA vectors with 1-4 near copies (cosine 0.98-1.0, a tenth of
  them exact) of 30% of its chunks, as a folder ingested twice with small edits would hold, and 20 chunks
  copied 30-120 times (a paragraph many articles share); each copy inserted just after its original.
Latency: one query per call, as the product asks, median and 95th percentile in ms (on a busy machine the
figures move; compare them within one run). Prints a table per store; --json writes every figure.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

import chromadb  # noqa: E402
from chromadb.config import Settings as ChromaSettings  # noqa: E402

from assistant.eval.data import SHARED  # noqa: E402
from assistant.store.vectors import HNSW_HEADER  # noqa: E402

K = 10
PRODUCT_N = 80
"""Dense candidates the product asks Chroma for (Settings.candidates; max(80, 4k) for k up to 20)."""
HEADING_QUERIES = 300
META: dict = {}
"""What the --json file says of the run: when, where, the machine's load before and after, per store sizes."""
DEFAULT_EFS = (10, 40, 80, 100, 128, 160, 200, 300, 400, 600)
"""Up to 600: what a store built before EF_CONSTRUCTION 400 searches with (assistant/store/vectors.py SEARCH_EF)."""
QUESTIONS = {
    "medquad": ("medquad/dev_questions.jsonl", "natural/dev_questions.jsonl"),
    "mediqa": ("mediqa/dev_queries.jsonl",),
    "corpus": (str(REPO / "evals" / "corpus_probe.jsonl"),),
}


@dataclass
class Row:
    store: str
    index: str
    """"as built", or the construction settings of an index built again from the same vectors."""
    ef_search: int
    n_results: int
    recall: float
    """Mean recall@10 over the queries."""
    worst: float
    """The lowest recall@10 of one query."""
    missed_first: int
    """Queries whose exact nearest neighbour is not among the 10 returned."""
    p50_ms: float
    p95_ms: float


def client(path: Path) -> chromadb.ClientAPI:
    chromadb.api.client.SharedSystemClient.clear_system_cache()  # a new client loads the index with its settings
    return chromadb.PersistentClient(path=str(path), settings=ChromaSettings(anonymized_telemetry=False))


def collection_at(path: Path, ef_search: int | None = None, name: str = "chunks"):
    """The collection, with `ef_search` set (Chroma reads it when a client loads the index: set, then reopen)."""
    col = client(path).get_collection(name, embedding_function=None)
    if ef_search is not None and col.configuration_json["hnsw"]["ef_search"] != ef_search:
        col.modify(configuration={"hnsw": {"ef_search": ef_search}})
        col = client(path).get_collection(name, embedding_function=None)
    return col


def all_vectors(col) -> tuple[list[str], np.ndarray]:
    ids, vecs, offset = [], [], 0
    while True:
        got = col.get(include=["embeddings"], limit=5000, offset=offset)
        ids += got["ids"]
        vecs.append(np.asarray(got["embeddings"], dtype=np.float32))
        if len(got["ids"]) < 5000:
            break
        offset += 5000
    return ids, np.concatenate(vecs)


@contextlib.contextmanager
def read_lock(store: Path):
    """Hold the store's lock shared, as the product does to read (`<store>/chroma.lock`): the store is copied
    whole, never halfway through another process's write. The lock file is opened read-only: nothing in the
    store is changed."""
    try:
        fd = os.open(store / "chroma.lock", os.O_RDONLY)
    except FileNotFoundError:
        yield
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_SH)
        yield
    finally:
        os.close(fd)


def built_with(chroma: Path) -> str:
    """The construction settings of a Chroma folder's HNSW index, as its header.bin says ("M=16 efc=100")."""
    for header in chroma.glob("*/header.bin"):
        fields = HNSW_HEADER.unpack_from(header.read_bytes())
        return f"M={fields[11]} efc={fields[13]}"
    return "?"


def build(path: Path, ids: list[str], vectors: np.ndarray, m: int, ef_construction: int) -> None:
    """A new collection of these vectors, inserted in this order, with these construction settings (and the
    product's: cosine, the index saved after every write call)."""
    shutil.rmtree(path, ignore_errors=True)
    c = client(path)
    col = c.create_collection(
        "chunks",
        embedding_function=None,
        configuration={
            "hnsw": {"space": "cosine", "sync_threshold": 1, "max_neighbors": m, "ef_construction": ef_construction}
        },
    )
    batch = min(int(c.get_max_batch_size()), 512)  # as the product writes: FLUSH_CHUNKS at a time
    for start in range(0, len(ids), batch):
        col.add(ids=ids[start : start + batch], embeddings=vectors[start : start + batch])


def exact_top(queries: np.ndarray, vectors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The exact top K of each query (indices) and every similarity (queries x vectors)."""
    sims = queries @ vectors.T
    top = np.argpartition(-sims, K, axis=1)[:, :K]
    order = np.take_along_axis(sims, top, axis=1).argsort(axis=1)[:, ::-1]
    return np.take_along_axis(top, order, axis=1), sims


def measure(col, ids: list[str], queries: np.ndarray, top: np.ndarray, sims: np.ndarray, n: int):
    where = {cid: i for i, cid in enumerate(ids)}
    recalls, missed, times = [], 0, []
    col.query(query_embeddings=[queries[0]], n_results=n)  # load the index outside the timings
    for q, exact, row in zip(queries, top, sims, strict=True):
        start = time.perf_counter()
        got = col.query(query_embeddings=[q], n_results=n, include=[])["ids"][0][:K]
        times.append((time.perf_counter() - start) * 1000)
        found = [where[g] for g in got]
        tenth = row[exact[-1]] - 1e-6  # a vector as close as the 10th counts: ties among near-duplicates
        recalls.append(sum(row[i] >= tenth for i in found) / K)
        missed += not any(row[i] >= row[exact[0]] - 1e-6 for i in found)
    times.sort()
    return statistics.fmean(recalls), min(recalls), missed, times[len(times) // 2], times[int(len(times) * 0.95)]


def questions(name: str, shared: Path) -> list[str]:
    out = []
    for rel in QUESTIONS.get(name, ()):
        path = shared / rel
        if path.exists():
            out += [json.loads(line)["question"] for line in path.read_text().splitlines() if line.strip()]
    return out


def heading_queries(store: Path, n: int, seed: int = 7) -> list[str]:
    import sqlite3

    db = sqlite3.connect(f"{(store / 'manifest.sqlite3').resolve().as_uri()}?mode=ro", uri=True)
    rows = db.execute("SELECT title, section FROM chunks ORDER BY id").fetchall()
    db.close()
    rng = np.random.default_rng(seed)
    picked = rng.choice(len(rows), size=min(n, len(rows)), replace=False)
    return [f"{rows[i][0]} › {rows[i][1]}" if rows[i][1] else rows[i][0] for i in picked]


def near_duplicates(ids: list[str], vectors: np.ndarray, seed: int = 11) -> tuple[list[str], np.ndarray]:
    """Each vector, and after 30% of them 1-4 near copies (versions of a passage: cosine 0.98-1.0, one in
    ten exact); and 20 of them copied 30-120 times each (cosine 0.97-1.0: a paragraph many articles share)."""
    rng = np.random.default_rng(seed)
    dim = vectors.shape[1]
    shared = set(rng.choice(len(ids), 20, replace=False).tolist())
    out_ids, out = [], []
    for i, (cid, v) in enumerate(zip(ids, vectors, strict=True)):
        out_ids.append(cid)
        out.append(v)
        if i in shared:
            copies, low = int(rng.integers(30, 121)), 0.97
        elif rng.random() < 0.3:
            copies, low = int(rng.integers(1, 5)), 0.98
        else:
            continue
        for j in range(copies):
            cosine = 1.0 if rng.random() < 0.1 else rng.uniform(low, 0.999)
            sigma = np.sqrt((1 / cosine**2 - 1) / dim)
            copy = v + rng.normal(0, sigma, dim).astype(np.float32)
            out_ids.append(f"{cid}~{j}")
            out.append(copy / np.linalg.norm(copy))
    return out_ids, np.stack(out)


def run_store(
    name: str,
    chroma: Path,
    queries: np.ndarray,
    efs: list[int],
    work: Path,
    builds: list[tuple[int, int]],
    repeats: int,
    vectors_in: tuple[list[str], np.ndarray] | None = None,
) -> list[Row]:
    rows: list[Row] = []
    if vectors_in is None:
        copy = work / f"{name}-as-built"
        with read_lock(chroma.parent):
            shutil.copytree(chroma, copy)
        ids, vectors = all_vectors(collection_at(copy))
        indexes = [(f"as built ({built_with(copy)})", copy)]
    else:
        ids, vectors = vectors_in
        indexes = []
    top, sims = exact_top(queries, vectors)
    start = time.perf_counter()
    for q in queries:
        np.argpartition(-(vectors @ q), K)[:K]
    exact_ms = (time.perf_counter() - start) * 1000 / len(queries)
    META.setdefault("stores", {})[name] = {"vectors": len(ids), "queries": len(queries), "exact_ms": exact_ms}
    print(
        f"\n{name}: {len(ids)} vectors, {len(queries)} queries; exact numpy top-10 {exact_ms:.1f} ms a query",
        flush=True,
    )
    for m, efc in builds:
        for r in range(repeats):
            path = work / f"{name}-m{m}-efc{efc}-{r}"
            started = time.perf_counter()
            build(path, ids, vectors, m, efc)
            print(
                f"  built M={m} ef_construction={efc} (#{r + 1}) in {time.perf_counter() - started:.0f} s", flush=True
            )
            indexes.append((f"M={m} efc={efc} #{r + 1}", path))
    for label, path in indexes:
        for ef in efs:
            col = collection_at(path, ef)
            for n in (K, PRODUCT_N):
                if n == PRODUCT_N and ef < PRODUCT_N:
                    continue  # ef below n changes nothing: hnswlib searches with max(ef, n)
                recall, worst, missed, p50, p95 = measure(col, ids, queries, top, sims, n)
                rows.append(Row(name, label, ef, n, recall, worst, missed, p50, p95))
                print(
                    f"  {label:<18} ef_search={ef:<4} n={n:<3} recall@10 {recall:.4f} (worst {worst:.1f}, "
                    f"nearest missed {missed}) p50 {p50:.2f} ms p95 {p95:.2f} ms",
                    flush=True,
                )
    return rows


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--cache", type=Path, default=REPO / ".eval-cache", help="the eval suite's store cache")
    p.add_argument("--store", action="append", default=[], help="NAME=STORE_DIR (default: MedQuAD and MEDIQA)")
    p.add_argument("--efs", default=",".join(map(str, DEFAULT_EFS)), help="ef_search values to measure")
    p.add_argument(
        "--builds",
        default="16:100,16:200,16:400,32:100",
        help="construction settings M:ef_construction to build again (16:100 is Chroma's default and that of "
        "stores made before this benchmark, 16:400 the product's: assistant/store/vectors.py EF_CONSTRUCTION)",
    )
    p.add_argument("--repeats", type=int, default=2, help="builds of each construction setting")
    p.add_argument("--no-duplicates", action="store_true", help="skip the store with near-duplicates")
    p.add_argument("--json", type=Path)
    args = p.parse_args(argv)
    from assistant import Settings
    from assistant.embedding.embedder import load_embedder
    from assistant.eval.harness import cache_dir

    embedder = load_embedder(Settings.from_env())
    stores = dict(s.split("=", 1) for s in args.store)
    if not stores:
        for name, folder in (("medquad", "medquad/articles"), ("mediqa", "mediqa/passages")):
            stores[name] = str(cache_dir(args.cache, SHARED / folder, embedder.name, embedder.backend) / "project")
    efs = sorted({int(e) for e in args.efs.split(",")})
    META.update(
        _start=time.perf_counter(),
        argv=sys.argv[1:],
        started=time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()),
        commit=subprocess.run(
            ["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"], capture_output=True, text=True
        ).stdout.strip(),
        chromadb=chromadb.__version__,
        cpus=os.cpu_count(),
        machine=platform.machine(),
        load_before=os.getloadavg(),
    )
    builds = [tuple(int(x) for x in b.split(":")) for b in args.builds.split(",") if b]
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="recall-") as tmp:
        work = Path(tmp)
        for name, store in stores.items():
            store = Path(store)
            texts = questions(name, SHARED) + heading_queries(store, HEADING_QUERIES)
            queries = np.stack([embedder.embed_query(t) for t in texts])
            rows += run_store(name, store / "chroma", queries, efs, work, builds, args.repeats)
            if name == "mediqa" and not args.no_duplicates:
                ids, vectors = all_vectors(collection_at(work / "mediqa-as-built"))
                rows += run_store(
                    "mediqa+near-duplicates",
                    store / "chroma",
                    queries,
                    efs,
                    work,
                    builds,
                    args.repeats,
                    near_duplicates(ids, vectors),
                )
    META["seconds"] = round(time.perf_counter() - META.pop("_start"))
    META["load_after"] = os.getloadavg()
    if args.json:
        args.json.write_text(json.dumps({"meta": META, "rows": [asdict(r) for r in rows]}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
