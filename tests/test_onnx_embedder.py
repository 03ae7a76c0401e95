"""The ONNX int8 embedder: same vectors as sentence-transformers (to ~0.99 cosine), a cache built once,
the token limit, and the store's check before vectors of two backends are mixed."""

from __future__ import annotations

import threading
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pytest

from assistant import Assistant, Settings
from assistant.embedding import onnx_embedder as onnx_mod
from assistant.embedding.embedder import load_embedder, packaged_model_path
from assistant.errors import AssistantError, ModelMismatchError

from .helpers_data import CORPUS, FIXTURE_ARTICLES
from .helpers_wait import wait_until


@pytest.fixture(scope="session")
def onnx_embedder():
    return load_embedder(Settings(embed_backend="onnx"))


@pytest.fixture(scope="session")
def torch_embedder():
    return load_embedder(Settings(embed_backend="torch"))


@pytest.fixture(scope="session")
def sample_texts(onnx_embedder) -> list[str]:
    """Real embedded chunk texts: the shipped corpus and the MedQuAD-style fixture articles, chunked as in ingest."""
    from assistant.ingest.articles import parse_article
    from assistant.ingest.chunking import Chunker

    chunker = Chunker(onnx_embedder.count_tokens, onnx_embedder.max_tokens)
    files = sorted(CORPUS.iterdir())[:8] + sorted(FIXTURE_ARTICLES.glob("*.md"))
    assert len(files) == 11
    texts: list[str] = []
    for path in files:
        article = parse_article(path.read_bytes(), source=path.name, root=str(path.parent))
        texts += [c.embedded_text for c in chunker.split(article)]
    return texts[:60]


def test_vectors_match_sentence_transformers(onnx_embedder, torch_embedder, sample_texts):
    assert onnx_embedder.backend == "onnx" and onnx_embedder.name == torch_embedder.name
    assert onnx_embedder.dim == torch_embedder.dim == 384
    a = onnx_embedder.embed_documents(sample_texts)
    b = torch_embedder.embed_documents(sample_texts)
    assert a.shape == b.shape == (len(sample_texts), 384) and a.dtype == np.float32
    assert np.allclose(np.linalg.norm(a, axis=1), 1.0, atol=1e-4)
    cos = (a * b).sum(axis=1)
    assert cos.mean() >= 0.99, cos.mean()
    assert cos.min() >= 0.95, cos.min()
    # the same nearest passage for questions (what retrieval depends on)
    questions = ["why do I get leg cramps at night?", "how is glaucoma treated?", "what causes a headache?"]
    qa = np.stack([onnx_embedder.embed_query(q) for q in questions])
    qb = np.stack([torch_embedder.embed_query(q) for q in questions])
    assert ((qa * qb).sum(axis=1) >= 0.9999).all()  # queries run the fp32 graph: no int8 error
    top_onnx = np.argsort(-(qa @ a.T), axis=1)[:, :3]
    top_torch = np.argmax(qb @ b.T, axis=1)
    assert all(t in row for t, row in zip(top_torch, top_onnx, strict=True))


def test_padding_in_a_batch_does_not_change_a_vector(onnx_embedder, torch_embedder, sample_texts):
    """A short text padded to a long one's width in a batch keeps its meaning (the attention mask works).

    Not bit-identical: dynamic int8 quantisation scales activations per batch tensor (cosine ~0.99)."""
    short = "Leg cramps at night"
    alone = onnx_embedder.embed_query(short)
    batched = onnx_embedder.embed_documents([sample_texts[0], short, " ".join(sample_texts[:4])])
    assert float(alone @ batched[1]) > 0.98
    assert float(torch_embedder.embed_query(short) @ batched[1]) > 0.98
    assert float(batched[0] @ onnx_embedder.embed_documents([sample_texts[0]])[0]) > 0.98


def test_token_limit_is_respected(onnx_embedder):
    words = " ".join(f"word{i}" for i in range(600))
    assert onnx_embedder.count_tokens([words])[0] > 1000  # counting is never truncated (the chunker needs it)
    assert onnx_embedder.max_tokens == 256
    long_vec = onnx_embedder.embed_documents([words])[0]  # no error beyond the model's 512 positions
    # the model sees the first 254 word pieces (+[CLS], [SEP]): cutting the text there changes nothing
    ids = onnx_embedder._count_tok.encode(words, add_special_tokens=False).ids[:254]
    cut = onnx_embedder._count_tok.decode(ids)
    assert float(long_vec @ onnx_embedder.embed_documents([cut])[0]) > 0.999
    assert onnx_embedder.count_tokens(["", "leg cramps"]) == [0, 3]


def test_built_model_is_cached_and_reused(onnx_embedder, monkeypatch):
    def no_build(*args, **kwargs):
        raise AssertionError("the cached model should have been reused")

    monkeypatch.setattr(onnx_mod, "build", no_build)
    path = onnx_embedder.onnx_path
    mtime = path.stat().st_mtime_ns
    again = onnx_mod.OnnxEmbedder.from_settings(Settings(embed_backend="onnx", onnx_cache=path.parent.parent))
    assert again.onnx_path == path and path.stat().st_mtime_ns == mtime
    assert path.parent.name == onnx_mod.model_key(packaged_model_path())
    text = "Muscle cramps in the calf"
    assert float(again.embed_query(text) @ onnx_embedder.embed_query(text)) > 0.99999


def test_cache_key_follows_model_files(tmp_path):
    src = packaged_model_path()
    copy = tmp_path / "model"
    copy.mkdir()
    for f in src.iterdir():
        (copy / f.name).symlink_to(f)
    assert onnx_mod.model_key(copy) == onnx_mod.model_key(src)
    (copy / "config.json").unlink()
    (copy / "config.json").write_text((src / "config.json").read_text().replace('"gelu"', '"relu"'))
    assert onnx_mod.model_key(copy) != onnx_mod.model_key(src)


def test_concurrent_builders_build_once(tmp_path, monkeypatch):
    """Three threads ask for the model at once: one builds while the other two wait at the lock, then reuse it."""
    import filelock

    calls: list[Path] = []
    at_the_lock: list[int] = []
    real_lock = filelock.FileLock

    @contextmanager
    def recorded_lock(path: str, *args, **kwargs):
        at_the_lock.append(threading.get_ident())
        with real_lock(path, *args, **kwargs):
            yield

    def slow_build(model_dir: Path, out_dir: Path) -> Path:
        calls.append(out_dir)
        # the build lasts until every thread is waiting for the lock it holds
        wait_until(lambda: len(at_the_lock) == 3, timeout=60, what="all three threads at the build lock")
        (out_dir / onnx_mod.QUERY_MODEL_FILE).write_bytes(b"query model")
        (out_dir / onnx_mod.MODEL_FILE).write_bytes(b"model")
        return out_dir / onnx_mod.MODEL_FILE

    monkeypatch.setattr(onnx_mod, "build", slow_build)
    monkeypatch.setattr(filelock, "FileLock", recorded_lock)
    results: list[Path] = []
    threads = [
        threading.Thread(target=lambda: results.append(onnx_mod.ensure_built(packaged_model_path(), tmp_path)))
        for _ in range(3)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert len(results) == 3 and len(at_the_lock) == 3
    assert len(calls) == 1
    assert len(set(results)) == 1 and results[0].read_bytes() == b"model"
    assert (results[0].parent / onnx_mod.QUERY_MODEL_FILE).is_file()
    assert not list(results[0].parent.glob(".build-*"))  # the temp folder is gone


def test_cache_setting_and_env_override(tmp_path, monkeypatch):
    assert onnx_mod.cache_root(Settings(onnx_cache=tmp_path / "a")) == tmp_path / "a"
    monkeypatch.setenv("ASSISTANT_ONNX_CACHE", str(tmp_path / "b"))
    assert onnx_mod.cache_root(Settings.from_env()) == tmp_path / "b"


def test_non_local_model_is_a_clear_error():
    with pytest.raises(AssistantError, match="ASSISTANT_EMBED_BACKEND=torch"):
        onnx_mod.OnnxEmbedder.from_settings(Settings(embed_backend="onnx", model="some-org/some-model"))


class _Scrambled:
    """The real model's name and size, but vectors in a permuted space: must be refused."""

    backend = "scrambled"

    def __init__(self, inner):
        self.inner, self.name, self.dim, self.max_tokens = inner, inner.name, inner.dim, inner.max_tokens
        self.perm = np.random.default_rng(0).permutation(inner.dim)

    def count_tokens(self, texts):
        return self.inner.count_tokens(texts)

    def embed_documents(self, texts):
        return self.inner.embed_documents(texts)[:, self.perm]

    def embed_query(self, text):
        return self.inner.embed_query(text)[self.perm]


def test_backend_mismatch_is_probed(tmp_path, corpus_copy, onnx_embedder, torch_embedder):
    store = tmp_path / "store"
    for extra in sorted(corpus_copy.iterdir())[6:]:
        extra.unlink()  # a small store keeps this test quick
    bot = Assistant.open(settings=Settings(store=store), embedder=onnx_embedder)
    bot.ingest([corpus_copy])
    n = bot.manifest.count_chunks()
    assert bot.manifest.get_meta("backend") == "onnx"
    assert bot.manifest.get_meta("model_file") == onnx_embedder.model_file
    bot.close()

    # torch reproduces the int8 vectors: accepted, recorded, nothing re-embedded
    bot = Assistant.open(settings=Settings(store=store), embedder=torch_embedder)
    assert "torch:" in bot.manifest.get_meta("compatible")
    report = bot.ingest([corpus_copy])
    assert (report.added, report.updated, report.chunks) == (0, 0, 0)
    assert bot.manifest.count_chunks() == n
    assert bot.search("leg cramps at night", k=3)
    bot.close()

    # vectors that disagree are refused with the fix in the message, and the store is untouched
    with pytest.raises(ModelMismatchError, match=r"python ingest.py --rebuild") as err:
        Assistant.open(settings=Settings(store=store), embedder=_Scrambled(onnx_embedder))
    assert "scrambled" in str(err.value) and "onnx" in str(err.value)
    bot = Assistant.open(settings=Settings(store=store), embedder=onnx_embedder)
    assert bot.manifest.count_chunks() == n
    assert "scrambled" not in bot.manifest.get_meta("compatible")
    bot.close()
