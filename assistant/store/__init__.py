"""Storage, below the code that uses it: `ingest/` writes it, `search/` and `answering/` read it, and it
imports none of them. The package imports nothing on its own (chromadb is slow to load): import
its modules.

- `manifest.py` — `Manifest`: the SQLite source of truth (articles, chunks, the ingest journal).
- `vectors.py` — `VectorStore`: Chroma, the only module that imports chromadb.
- `keyword.py` — `KeywordIndex`: BM25 over chunk texts (bm25s), saved per generation; `tokenize`.
- `headings.py` — `HeadingIndex`: BM25 over (article, section) headings, built in memory.
- `generation.py` — `PerGeneration`: the one cache of state derived from a store generation.
"""
