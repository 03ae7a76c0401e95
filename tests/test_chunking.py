"""Heading-aware chunks that fit the model, measured with the model's own tokenizer."""

from assistant.ingest.articles import read_article
from assistant.ingest.chunking import Chunker
from assistant.types import Article, Section

from .helpers_data import CORPUS


def _chunker(embedder, **kw):
    return Chunker(embedder.count_tokens, embedder.max_tokens, **kw)


def test_chunks_fit_the_model_and_start_with_their_header(embedder):
    chunker = _chunker(embedder)
    long_section = " ".join(f"Sentence number {i} talks about muscles and sleep." for i in range(300))
    article = Article("/r", "a.txt", "A very long article title", (Section("Intro", long_section),))
    chunks = chunker.split(article)
    assert len(chunks) > 5
    for c in chunks:
        assert c.embedded_text.startswith("A very long article title › Intro\n")
        assert embedder.count_tokens([c.embedded_text])[0] <= embedder.max_tokens - 2
        assert c.text in c.embedded_text


def test_a_chunk_never_spans_two_sections(embedder):
    chunker = _chunker(embedder)
    for path in CORPUS.iterdir():
        article = read_article(path, CORPUS)
        bodies = {s.heading: s.text for s in article.sections}
        for c in chunker.split(article):
            assert c.section in bodies
            assert c.text in bodies[c.section]  # wholly inside its own section
            assert embedder.count_tokens([c.embedded_text])[0] <= embedder.max_tokens - 2


def test_unbreakable_text_is_cut_to_fit(embedder):
    article = Article("/r", "a.txt", "T", (Section("S", "x" * 20000),))
    chunks = _chunker(embedder).split(article)
    assert chunks
    assert all(embedder.count_tokens([c.embedded_text])[0] <= embedder.max_tokens - 2 for c in chunks)


def test_ids_depend_on_identity_position_and_content(embedder):
    chunker = _chunker(embedder)
    a = Article("/r", "a.txt", "T", (Section("S", "Some text about cramps."),))
    same = chunker.split(a)[0].id == chunker.split(a)[0].id
    other_root = chunker.split(Article("/q", "a.txt", "T", a.sections))[0].id
    other_text = chunker.split(Article("/r", "a.txt", "T", (Section("S", "Other text."),)))[0].id
    assert same
    assert len({chunker.split(a)[0].id, other_root, other_text}) == 3
