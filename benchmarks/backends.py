"""torch vs onnx embedding: speed on the same texts (interleaved, same batch size) and quality.

    python benchmarks/backends.py [--texts 1024] [--block 256]

Speed: MedQuAD chunks as ingest makes them, embedded in alternating blocks by each backend so
that both see the same machine load. Quality: cosine of the onnx vectors to torch fp32 vectors,
overlap of nearest neighbours, and a dense-only MEDIQA dev retrieval (129 real questions over the
passages they were judged against, each passage embedded as the model sees it: its first 256
word pieces) with MRR@10, nDCG@10 and success@5 per backend.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
DATA = Path(os.environ.get("ASSISTANT_SHARED_DATA") or REPO.parent / "shared" / "data")  # as assistant.eval.data.SHARED
sys.path.insert(0, str(REPO))


def medquad_texts(embedder, n: int, seed: int = 7) -> list[str]:
    from assistant.ingest.articles import parse_article
    from assistant.ingest.chunking import Chunker

    files = sorted((DATA / "medquad" / "articles").glob("*.md"))
    random.Random(seed).shuffle(files)
    chunker = Chunker(embedder.count_tokens, embedder.max_tokens)
    texts: list[str] = []
    for path in files:
        article = parse_article(path.read_bytes(), source=path.name, root="bench")
        texts += [c.embedded_text for c in chunker.split(article)]
        if len(texts) >= n:
            return texts[:n]
    return texts


def mediqa() -> tuple[list[dict], dict[str, str]]:
    queries = [json.loads(line) for line in (DATA / "mediqa" / "dev_queries.jsonl").read_text().splitlines() if line]
    pool = sorted({pid for q in queries for pid in q["relevance"]})
    passages = {}
    for pid in pool:
        text = (DATA / "mediqa" / "passages" / f"{pid}.txt").read_text(errors="replace")
        passages[pid] = text.split("\nSource:")[0].strip()
    return queries, passages


def metrics(queries: list[dict], ranked: list[list[str]]) -> dict[str, float]:
    """MRR@10, nDCG@10 and success@5 over the questions, a passage graded 3 or more being relevant
    (the harness's metrics, assistant/eval/metrics.py)."""
    from assistant.eval.metrics import mean, ndcg_at, reciprocal_rank, success_at

    rels = [{p: g for p, g in q["relevance"].items() if g >= 3} for q in queries]
    pairs = list(zip(ranked, rels, strict=True))
    return {
        "MRR@10": mean([reciprocal_rank(r, rel, 10) for r, rel in pairs]),
        "nDCG@10": mean([ndcg_at(r, rel, 10) for r, rel in pairs]),
        "success@5": mean([success_at(r, rel, 5) for r, rel in pairs]),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--texts", type=int, default=1024, help="MedQuAD chunks for the speed test")
    ap.add_argument("--block", type=int, default=256, help="texts per alternating block")
    ap.add_argument("--batch", type=int, default=64)
    args = ap.parse_args()

    from assistant import Settings
    from assistant.embedding.embedder import load_embedder

    backends = {b: load_embedder(Settings(embed_backend=b, embed_batch_size=args.batch)) for b in ("torch", "onnx")}
    texts = medquad_texts(backends["onnx"], args.texts)
    tokens = backends["onnx"].count_tokens(texts)
    print(f"speed: {len(texts)} MedQuAD chunks, mean {np.mean(tokens):.0f} word pieces, batch {args.batch}, "
          f"blocks of {args.block}, interleaved")
    seconds = {b: 0.0 for b in backends}
    vecs: dict[str, list[np.ndarray]] = {b: [] for b in backends}
    for i, start in enumerate(range(0, len(texts), args.block)):
        block = texts[start : start + args.block]
        order = list(backends) if i % 2 == 0 else list(reversed(backends))
        for b in order:
            t = time.perf_counter()
            vecs[b].append(backends[b].embed_documents(block))
            seconds[b] += time.perf_counter() - t
    for b in backends:
        print(f"  {b:5s} {seconds[b]:7.1f} s  {len(texts) / seconds[b]:6.1f} chunks/s")
    print(f"  speed-up onnx/torch: {seconds['torch'] / seconds['onnx']:.2f}x")

    a, t = np.concatenate(vecs["onnx"]), np.concatenate(vecs["torch"])
    cos = (a * t).sum(axis=1)
    print(f"cosine onnx vs torch fp32: mean {cos.mean():.4f}, p1 {np.percentile(cos, 1):.4f}, min {cos.min():.4f}")
    k = 10
    na = np.argsort(-(a @ a.T), axis=1)[:, 1 : k + 1]
    nt = np.argsort(-(t @ t.T), axis=1)[:, 1 : k + 1]
    overlap = np.mean([len(set(x) & set(y)) / k for x, y in zip(na, nt, strict=True)])
    print(f"nearest-neighbour overlap@{k} among the chunks: {overlap:.3f}")

    queries, passages = mediqa()
    ids = list(passages)
    print(f"MEDIQA dev: {len(queries)} questions over {len(ids)} judged passages (dense only)")
    for b, emb in backends.items():
        t0 = time.perf_counter()
        pv = emb.embed_documents([passages[i] for i in ids])
        qv = np.stack([emb.embed_query(q["question"]) for q in queries])
        ranked = [[ids[j] for j in np.argsort(-row)[:10]] for row in qv @ pv.T]
        m = metrics(queries, ranked)
        print(f"  {b:5s} " + "  ".join(f"{name} {v:.4f}" for name, v in m.items())
              + f"   ({time.perf_counter() - t0:.0f} s)")


if __name__ == "__main__":
    main()
