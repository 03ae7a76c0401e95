"""No chunk is longer than the chunker's limit whatever the input, and no tool returns more than a bounded
number of characters of one passage (issue 25): a 20 MB line without spaces is cut into pieces (the model's
tokenizer counts any word over 100 characters as one [UNK], so word pieces alone did not bound it)."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assistant import Assistant, Settings
from assistant.ingest.articles import parse_article
from assistant.ingest.chunking import Chunker
from assistant.types import Article, Section
from assistant.web.mcp_tools import ArticleTools

from .helpers_embedder import FakeEmbedder

CHARS_PER_WORD_PIECE = 8
"""The chunker's character bound per word piece of its limit (254 word pieces: 2,032 characters)."""
PASSAGE_LIMIT = 512 * CHARS_PER_WORD_PIECE + len(" …")
"""The most characters of one passage a tool returns (a passage cut at a word ends with " …")."""


def _chunker(embedder) -> Chunker:
    return Chunker(embedder.count_tokens, embedder.max_tokens)


def _within_limits(chunker: Chunker, chunks, count) -> None:
    for c in chunks:
        assert count([c.embedded_text])[0] <= chunker.limit, c.embedded_text[:80]
        assert len(c.embedded_text) <= chunker.limit * CHARS_PER_WORD_PIECE, len(c.embedded_text)


def test_a_20_mb_word_without_spaces_is_hard_split_into_chunks_within_the_limit_and_nothing_is_lost(embedder):
    word = "".join(f"{i:07d}x" for i in range(2_500_000))  # 20 MB, no space: one [UNK] to the tokenizer
    text = f"Cramps wake many people at night. {word} Stretch the calf before bed."
    article = parse_article(f"Giant line\n\n{text}\n".encode(), "giant.txt")
    chunker = _chunker(embedder)
    chunks = chunker.split(article)
    _within_limits(chunker, chunks, embedder.count_tokens)
    assert len(chunks) > 9000
    assert "".join(c.text for c in chunks).replace(" ", "") == text.replace(" ", "")  # every character kept, in order


def test_a_run_of_punctuation_is_split_by_word_pieces_as_well(embedder):
    chunker = _chunker(embedder)
    chunks = chunker.split(Article("/r", "a.txt", "T", (Section("S", ".,;" * 40_000),)))
    _within_limits(chunker, chunks, embedder.count_tokens)
    assert sum(len(c.text) for c in chunks) >= 120_000  # all of it is in some chunk


def test_a_long_heading_of_one_word_is_cut(embedder):
    chunker = _chunker(embedder)
    chunks = chunker.split(Article("/r", "a.txt", "T", (Section("h" * 100_000, "Some text about cramps."),)))
    _within_limits(chunker, chunks, embedder.count_tokens)
    assert chunks[0].text == "Some text about cramps."


_PIECES = st.one_of(
    st.text(min_size=1, max_size=40),
    st.builds(lambda c, n: c * n, st.characters(blacklist_categories=("Cs",)), st.integers(100, 6000)),
    st.sampled_from([" ", "\n", "\n\n", ". ", "https://example.org/" + "a" * 3000]),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_PIECES, min_size=1, max_size=12), st.text(max_size=300))
def test_no_chunk_is_longer_than_the_limit_whatever_the_input(embedder, pieces, heading):
    chunker = _chunker(embedder)
    body = "".join(pieces)
    if not body.strip():
        return
    _within_limits(
        chunker, chunker.split(Article("/r", "a.txt", "T", (Section(heading, body),))), embedder.count_tokens
    )


class _WholeFile:
    """The chunker as it was before the character bound: a section of one long word was one chunk."""

    def __init__(self, chunker: Chunker):
        self.inner, self.key = chunker, chunker.key

    def split(self, article: Article):
        chunks = self.inner.split(replace(article, sections=(Section("", "placeholder"),)))
        whole = " ".join(s.text for s in article.sections)
        return [replace(chunks[0], text=whole, embedded_text=f"{article.title}\n{whole}")]


@pytest.fixture
def long_chunk_bot(tmp_path):
    """A store holding a 2 MB chunk (as one built before the chunker's character bound would)."""
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "giant.txt").write_text("Giant line\n\nCalf cramps at night. " + "z" * 2_000_000 + "\n")
    (folder / "cramps.txt").write_text("Leg cramps\n\nCalf cramps at night wake many people.\n")
    bot = Assistant.open(settings=Settings(store=tmp_path / "store"), embedder=FakeEmbedder())
    bot.library.chunker = _WholeFile(bot.library.chunker)
    bot.ingest([folder])
    yield bot, folder.resolve()
    bot.close()


def test_search_mcp_and_the_langchain_retriever_return_a_bounded_passage(long_chunk_bot):
    bot, folder = long_chunk_bot
    assert max(len(c.text) for c in bot.chunks()) > 2_000_000
    hits = bot.search("calf cramps at night", k=5)
    assert {h.source for h in hits} == {"giant.txt", "cramps.txt"}
    assert all(len(h.text) <= PASSAGE_LIMIT for h in hits), [len(h.text) for h in hits]
    passages = json.loads(ArticleTools(bot, folder).search_articles("calf cramps at night", k=5))
    assert all(len(p["passage"]) <= PASSAGE_LIMIT for p in passages), [len(p["passage"]) for p in passages]
    docs = bot.as_retriever(k=5).invoke("calf cramps at night")
    assert len(docs) == 2 and all(len(d.page_content) <= PASSAGE_LIMIT for d in docs)


def test_a_2_mb_line_is_ingested_in_bounded_chunks_and_searched(tmp_path):
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "giant.txt").write_text("Giant line\n\nCalf cramps at night. " + "z" * 2_000_000 + "\n")
    bot = Assistant.open(settings=Settings(store=tmp_path / "store"), embedder=FakeEmbedder())
    try:
        report = bot.ingest([folder])
        assert report.added == 1 and report.chunks > 1000
        assert max(len(c.embedded_text) for c in bot.chunks()) <= bot.chunker.limit * CHARS_PER_WORD_PIECE
        assert bot.search("calf cramps at night", k=1)[0].source == "giant.txt"
    finally:
        bot.close()
