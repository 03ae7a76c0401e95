"""Shared by the reliability tests: a generated corpus of small articles and a full consistency check of a store."""

from __future__ import annotations

import random
from collections import Counter
from pathlib import Path

import numpy as np

from assistant import Assistant
from assistant.errors import ArticleError
from assistant.ingest.articles import parse_article
from assistant.ingest.sync import scan
from assistant.store.keyword import KeywordIndex

_WORDS = (
    "sleep water muscle stretch calf night warm bath salt sugar coffee walk rest joint knee heel sun skin cream "
    "cough throat honey fever chill ginger tea lemon nose eye screen blink dust pollen spring grass tree mould "
    "stomach bread rice fruit fibre bowel gas belly spoon mouth tooth gum floss brush ear wax drop ache head "
    "neck shoulder posture desk chair pillow mattress noise light dark clock alarm morning evening lunch dinner "
    "snack salad bean lentil oat barley nut seed olive fish egg milk cheese yoghurt vitamin iron zinc magnesium "
    "potassium sodium calcium bone teeth hair nail scalp itch rash hive bite sting wasp bee tick mosquito"
).split()


def article_text(i: int, fmt: str, version: int = 0) -> str:
    """A small article in `fmt` ('txt', 'md' or 'html') with a unique marker word; `version` changes one section."""
    rng = random.Random(i * 1000 + 7)
    marker = f"zorblat{i}"
    title = f"{marker.capitalize()} and {rng.choice(_WORDS)} {rng.choice(_WORDS)}"

    def sentences(n: int, salt: int) -> list[str]:
        r = random.Random(i * 1000 + salt)
        return [
            f"The {r.choice(_WORDS)} {r.choice(_WORDS)} helps {marker} {r.choice(_WORDS)} after {r.choice(_WORDS)} "
            f"and {r.choice(_WORDS)} {r.choice(_WORDS)}."
            for _ in range(n)
        ]

    sections = [
        ("Causes", sentences(4, 1)),
        ("What helps", sentences(4, 2 + 100 * version)),  # edited between versions
        ("When to see a doctor", sentences(3, 3)),
    ]
    if fmt == "md":
        body = "\n\n".join(f"## {h}\n\n" + " ".join(s) for h, s in sections)
        return f"---\ntitle: {title}\nurl: https://example.org/{marker}\n---\n\n# {title}\n\n{body}\n"
    if fmt == "html":
        body = "".join(f"<h2>{h}</h2><p>{' '.join(s)}</p>" for h, s in sections)
        return f"<html><head><title>{title}</title></head><body><nav>Home | Next</nav><h1>{title}</h1>{body}</body></html>"
    body = "\n\n".join(f"{h}\n\n" + " ".join(s) for h, s in sections)
    return f"{title}\n\n{title}\n\n{body}\n\n<<: Previous article\n>>: Next article\n"


def article_name(i: int) -> str:
    fmt = ("txt", "md", "html")[i % 3]
    return f"article-{i:03d}.{fmt}"


def write_articles(folder: Path, indices, version: int = 0) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in indices:
        path = folder / article_name(i)
        path.write_text(article_text(i, path.suffix[1:], version), encoding="utf-8")
        paths.append(path)
    return paths


def expected_chunks(bot: Assistant, folders) -> dict[tuple[str, str], list[str]]:
    """(root, source) -> chunk ids, computed afresh from the files on disk with the bot's chunker."""
    out: dict[tuple[str, str], list[str]] = {}
    for folder in folders:
        root = Path(folder).resolve()
        files, _ = scan(root)
        for path in files:
            source = path.relative_to(root).as_posix()
            try:
                article = parse_article(path.read_bytes(), source=source, root=str(root))
            except ArticleError:
                continue
            out[(str(root), source)] = [c.id for c in bot.chunker.split(article)]
    return out


def assert_consistent(bot: Assistant, folders, *, check_vectors: int = 20) -> dict[str, int]:
    """The store agrees with the folders and with itself.

    Every parseable file is an article with exactly the chunks its text gives (no duplicates, no
    leftovers of an older version, no article whose file is gone); Chroma holds exactly the
    manifest's chunk ids, each findable by a nearest-neighbour query with its own vector; the
    keyword index on disk is at the manifest's generation with the same ids; the journal is empty;
    and every article is found by `search` for its own text. Returns a few counts.
    """
    m = bot.manifest
    assert m.journal() == [], "journal entries left after an ingest"
    expected = expected_chunks(bot, folders)
    stored = {(a.root, a.source): a for a in bot.articles()}
    assert set(stored) == set(expected), (
        f"articles missing: {sorted(set(expected) - set(stored))}; extra: {sorted(set(stored) - set(expected))}"
    )
    actual: dict[tuple[str, str], list[str]] = {}
    all_ids: list[str] = []
    for c in bot.chunks():
        actual.setdefault((c.root, c.source), []).append(c.id)
        all_ids.append(c.id)
    dups = [i for i, n in Counter(all_ids).items() if n > 1]
    assert not dups, f"duplicated chunks: {dups[:5]}"
    for key, ids in expected.items():
        assert actual.get(key) == ids, f"{key[1]}: manifest chunks differ from the file's"
        assert stored[key].chunks == len(ids)
    manifest_ids = set(all_ids)

    vector_ids = bot.vectors.ids()
    assert vector_ids == manifest_ids, (
        f"{len(vector_ids - manifest_ids)} orphan vectors, {len(manifest_ids - vector_ids)} chunks without a vector"
    )
    assert bot.vectors.count() == len(manifest_ids)

    keyword = KeywordIndex.load(bot.store_dir / "keyword")
    assert keyword is not None, "no keyword index on disk"
    assert keyword.generation == m.generation
    assert sorted(keyword.ids) == sorted(manifest_ids)

    # the vectors are the chunks' own: each stored vector is closest to a fresh embedding of its own
    # chunk's text (batch padding and thread counts move the cosine a little: 0.99 is too tight)
    ids = sorted(manifest_ids)
    sample = ids[:: max(1, len(ids) // check_vectors)] if check_vectors else []
    if sample:
        chunks = m.chunks_by_id(sample)
        stored_vecs = bot.vectors.vectors(sample)
        fresh = bot.embedder.embed_documents([chunks[i].embedded_text for i in sample])
        sims = np.stack([stored_vecs[i] for i in sample]) @ fresh.T
        for row, cid in enumerate(sample):
            assert sims[row, row] > 0.95 and int(np.argmax(sims[row])) == row, f"vector of {cid} is not its chunk's"
    # every vector is reachable in Chroma's HNSW graph. A query with k=50 (beam >= 100) finds a vector
    # that is in the graph; one it misses is searched for exhaustively (k = all), and a vector not
    # found even then is unreachable: the index is damaged (seen when two processes saved it).
    n = len(ids)
    unreachable = []
    stored_all = bot.vectors.vectors(ids)
    for cid, vec in stored_all.items():
        if cid in {v.id for v in bot.vectors.query(vec, min(50, n))}:
            continue
        near = bot.vectors.query(vec, n)
        # identical texts give identical vectors: an exact twin ranked first also counts as found
        if cid not in {v.id for v in near} and not (near and near[0].similarity > 0.9999):
            unreachable.append(cid)
    assert not unreachable, f"{len(unreachable)} of {n} vectors unreachable in the ANN index: {unreachable[:5]}"

    for (root, source), chunk_ids in expected.items():
        first = m.chunks_by_id(chunk_ids[:1])[chunk_ids[0]]
        hits = bot.search(first.text, k=5)
        assert any(h.root == root and h.source == source for h in hits), f"{source} is not searchable"
    return {"articles": len(stored), "chunks": len(manifest_ids)}
