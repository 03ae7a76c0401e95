"""Where ingest time goes: each part of the pipeline timed on its own, on the same articles.

    python benchmarks/ingest_parts.py [--corpus FOLDER] [--articles 300]

Reads and chunks N random articles, embeds the chunks (batch path, as ingest does), upserts the
vectors into a throw-away embedded Chroma store and builds the BM25 index over them. With the
encoder on every core, the CPU seconds of the other parts are what the pipeline loses against
the raw encoder (docs/BENCHMARKS.md).
"""

from __future__ import annotations

import argparse
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", type=Path, default=REPO.parent / "shared" / "data" / "medquad" / "articles")
    ap.add_argument("--articles", type=int, default=300)
    a = ap.parse_args()

    from assistant.config import Settings
    from assistant.embedding.embedder import load_embedder
    from assistant.ingest.articles import parse_article
    from assistant.ingest.chunking import Chunker
    from assistant.ingest.sync import FLUSH_CHUNKS
    from assistant.store.keyword import KeywordIndex, index_text
    from assistant.store.vectors import VectorStore, chunk_metadata

    files = sorted(p for p in a.corpus.rglob("*") if p.is_file())
    random.Random(7).shuffle(files)
    files = files[: a.articles]
    settings = Settings.from_env()
    emb = load_embedder(settings)
    emb.embed_documents(["warm-up"] * 8)
    chunker = Chunker(emb.count_tokens, emb.max_tokens, settings.chunk_tokens, settings.chunk_overlap)

    cpu, wall = time.process_time(), time.perf_counter()
    chunks = []
    for f in files:
        chunks += chunker.split(parse_article(f.read_bytes(), f.name, "bench"))
    print(f"read + parse + chunk {len(files)} articles -> {len(chunks)} chunks: "
          f"{time.process_time() - cpu:.1f} s CPU, {time.perf_counter() - wall:.1f} s wall")

    texts = [c.embedded_text for c in chunks]
    wall = time.perf_counter()
    vecs = np.concatenate([emb.embed_documents(texts[i : i + FLUSH_CHUNKS]) for i in range(0, len(texts), FLUSH_CHUNKS)])
    seconds = time.perf_counter() - wall
    print(f"embed: {seconds:.1f} s wall ({len(texts) / seconds:.1f} chunks/s, {emb.backend})")

    tmp = Path(tempfile.mkdtemp(prefix="ingest-parts-"))
    try:
        store = VectorStore(path=tmp / "chroma", collection="chunks")
        cpu, wall = time.process_time(), time.perf_counter()
        for i in range(0, len(chunks), FLUSH_CHUNKS):
            part = chunks[i : i + FLUSH_CHUNKS]
            store.upsert([c.id for c in part], vecs[i : i + FLUSH_CHUNKS], [chunk_metadata(c) for c in part])
        print(f"Chroma upsert: {time.process_time() - cpu:.1f} s CPU, {time.perf_counter() - wall:.1f} s wall")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    cpu, wall = time.process_time(), time.perf_counter()
    KeywordIndex.build([c.id for c in chunks], [index_text(c.title, c.section, c.text) for c in chunks], 0)
    print(f"BM25 build: {time.process_time() - cpu:.1f} s CPU, {time.perf_counter() - wall:.1f} s wall")


if __name__ == "__main__":
    main()
