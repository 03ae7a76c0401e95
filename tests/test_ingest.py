"""Ingest is a sync: new articles added, changed replaced, deleted removed, unchanged untouched."""

import shutil
from pathlib import Path

import pytest

from assistant import Assistant, ModelMismatchError, Settings
from assistant.errors import CorpusError

from .helpers_data import CORPUS, FIXTURE_ARTICLES
from .helpers_embedder import FakeEmbedder


class CountingEmbedder:
    """Wraps the real model and counts the texts it embeds for documents."""

    def __init__(self, inner):
        self.inner = inner
        self.name, self.backend, self.dim, self.max_tokens = inner.name, inner.backend, inner.dim, inner.max_tokens
        self.embedded = 0

    def count_tokens(self, texts):
        return self.inner.count_tokens(texts)

    def embed_documents(self, texts):
        self.embedded += len(texts)
        return self.inner.embed_documents(texts)

    def embed_query(self, text):
        return self.inner.embed_query(text)


def _small_corpus(dst: Path, names=("leg-cramps-at-night.txt", "heartburn-acid-reflux.md", "migraine.html")) -> Path:
    dst.mkdir(parents=True, exist_ok=True)
    for name in names:
        shutil.copy(CORPUS / name, dst / name)
    return dst


def _consistent(bot: Assistant) -> None:
    """Every chunk in the manifest has a vector, and no vector lacks a chunk."""
    manifest_ids = set(bot.manifest.all_chunk_ids())
    assert manifest_ids == bot.vectors.ids()
    assert sum(a.chunks for a in bot.articles()) == len(manifest_ids)


def test_reingesting_unchanged_folder_embeds_nothing(tmp_path, embedder):
    corpus = _small_corpus(tmp_path / "c")
    counting = CountingEmbedder(embedder)
    bot = Assistant.open(settings=Settings(store=tmp_path / "s"), embedder=counting)
    first = bot.ingest([corpus])
    assert (first.added, first.updated, first.removed) == (3, 0, 0)
    assert first.chunks > 0 and counting.embedded == first.chunks
    counting.embedded = 0
    again = bot.ingest([corpus])
    assert (again.added, again.updated, again.removed, again.unchanged, again.chunks) == (0, 0, 0, 3, 0)
    assert counting.embedded == 0
    _consistent(bot)


def test_same_folder_by_any_path_spelling_is_one_folder(tmp_path, make_bot, monkeypatch):
    corpus = _small_corpus(tmp_path / "c")
    bot = make_bot()
    bot.ingest([corpus])
    monkeypatch.chdir(tmp_path)
    for spelling in ("c", "c/", str(corpus.resolve()), "./c/../c"):
        report = bot.ingest([spelling])
        assert (report.added, report.unchanged) == (0, 3), spelling
    assert len(bot.articles()) == 3


def test_editing_an_article_replaces_its_chunks(tmp_path, make_bot):
    corpus = _small_corpus(tmp_path / "c")
    bot = make_bot()
    bot.ingest([corpus])
    path = corpus / "heartburn-acid-reflux.md"
    path.write_text(path.read_text() + "\n## Zebra stripes\n\nHeartburn is unrelated to zebra stripes on quokkas.\n")
    report = bot.ingest([corpus])
    assert (report.added, report.updated, report.unchanged) == (0, 1, 2)
    texts = [c.text for c in bot.chunks(corpus, "heartburn-acid-reflux.md")]
    assert any("quokkas" in t for t in texts)
    assert bot.search("zebra stripes on quokkas", k=1)[0].source == "heartburn-acid-reflux.md"
    _consistent(bot)
    # and back: the old text is gone from the store and from search
    path.write_text((CORPUS / "heartburn-acid-reflux.md").read_text())
    bot.ingest([corpus])
    assert not any("quokkas" in c.text for c in bot.chunks())
    assert all("quokkas" not in h.text for h in bot.search("zebra stripes on quokkas", k=10))
    _consistent(bot)


def test_deleting_an_article_removes_it_from_search(tmp_path, make_bot):
    corpus = _small_corpus(tmp_path / "c")
    bot = make_bot()
    bot.ingest([corpus])
    assert bot.search("leg cramps at night", k=1)[0].source == "leg-cramps-at-night.txt"
    (corpus / "leg-cramps-at-night.txt").unlink()
    report = bot.ingest([corpus])
    assert (report.removed, report.unchanged) == (1, 2)
    assert all(h.source != "leg-cramps-at-night.txt" for h in bot.search("leg cramps at night", k=10))
    _consistent(bot)


def test_second_folder_keeps_the_first_even_with_the_same_file_names(tmp_path, make_bot):
    one = _small_corpus(tmp_path / "one")
    two = _small_corpus(tmp_path / "two", names=("leg-cramps-at-night.txt", "sunburn.txt"))
    bot = make_bot()
    bot.ingest([one])
    report = bot.ingest([two])
    assert (report.added, report.removed) == (2, 0)
    roots = {(a.root, a.source) for a in bot.articles()}
    assert len(roots) == 5
    assert (str(one.resolve()), "leg-cramps-at-night.txt") in roots
    assert (str(two.resolve()), "leg-cramps-at-night.txt") in roots
    # removing a file from the second folder leaves the first folder's copy alone
    (two / "leg-cramps-at-night.txt").unlink()
    bot.ingest([two])
    assert (str(one.resolve()), "leg-cramps-at-night.txt") in {(a.root, a.source) for a in bot.articles()}
    _consistent(bot)


def test_remove_drops_one_article_and_leaves_the_file(tmp_path, make_bot):
    corpus = _small_corpus(tmp_path / "c")
    bot = make_bot()
    bot.ingest([corpus])
    assert bot.remove(corpus, "migraine.html") is True
    assert (corpus / "migraine.html").exists()
    assert "migraine.html" not in {a.source for a in bot.articles()}
    assert bot.remove(corpus, "migraine.html") is False
    _consistent(bot)


def test_bad_files_are_skipped_with_reasons_and_the_rest_ingested(tmp_path, make_bot):
    corpus = _small_corpus(tmp_path / "c")
    (corpus / "photo.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00")
    (corpus / "empty.md").write_bytes(b"")
    (corpus / "report.pdf").write_bytes(b"%PDF-1.4")
    bot = make_bot()
    report = bot.ingest([corpus])
    assert report.added == 3
    reasons = {Path(p).name: r for p, r in report.skipped}
    assert "binary" in reasons["photo.txt"]
    assert "empty" in reasons["empty.md"]
    assert "truncated" in reasons["report.pdf"]  # a PDF header and nothing after it


def test_a_file_name_that_is_not_utf8_is_skipped_and_the_rest_ingested(tmp_path, make_bot):
    import os

    corpus = _small_corpus(tmp_path / "c")
    odd = os.path.join(os.fsencode(corpus), b"bad\xff\xfename.txt")  # bytes no UTF-8 decoder accepts
    with open(odd, "wb") as f:
        f.write((CORPUS / "sunburn.txt").read_bytes())
    report = make_bot(emb=FakeEmbedder()).ingest([corpus])
    assert report.added == 3
    assert [(Path(p).name, r) for p, r in report.skipped] == [("bad\ufffd\ufffdname.txt", "its file name is not valid "
                                                               "UTF-8: rename it to ingest it")]


def test_a_folder_whose_name_is_not_utf8_is_a_clear_error(tmp_path, make_bot):
    import os

    odd = os.path.join(os.fsencode(tmp_path), b"c\xffrpus")
    os.mkdir(odd)
    bot = make_bot(emb=FakeEmbedder())
    with pytest.raises(CorpusError, match="folder's name is not valid UTF-8"):
        bot.ingest([os.fsdecode(odd)])
    assert bot.articles() == []


def test_missing_folder_is_a_clear_error_and_changes_nothing(tmp_path, make_bot):
    bot = make_bot()
    with pytest.raises(CorpusError, match="folder not found"):
        bot.ingest([tmp_path / "nope"])
    assert bot.articles() == []


def test_store_made_with_one_model_refuses_another(tmp_path, embedder):
    corpus = _small_corpus(tmp_path / "c", names=("sunburn.txt",))
    store = tmp_path / "s"
    Assistant.open(settings=Settings(store=store), embedder=embedder).ingest([corpus])
    with pytest.raises(ModelMismatchError, match=r"python ingest\.py --rebuild"):
        Assistant.open(settings=Settings(store=store), embedder=FakeEmbedder(name="other-model", dim=64))
    # --rebuild starts afresh with the new model
    bot = Assistant.open(settings=Settings(store=store), embedder=FakeEmbedder(name="other-model"), rebuild=True)
    assert bot.articles() == []
    assert bot.ingest([corpus]).added == 1


def test_an_article_whose_headings_run_into_their_text_is_answered_from_the_right_section(tmp_path, make_bot):
    """A user's own .txt article typed without a blank line after its headings: each heading starts a section,
    so a question about treatment is answered from the treatment section (it was one section, one chunk)."""
    corpus = _small_corpus(tmp_path / "corpus")
    shutil.copy(FIXTURE_ARTICLES / "swimmers-ear.txt", corpus / "swimmers-ear.txt")
    bot = make_bot()
    bot.ingest([corpus])
    [info] = [a for a in bot.articles() if a.source == "swimmers-ear.txt"]
    assert "How is it treated?" in info.sections and info.chunks > 1
    answer = bot.ask("How is swimmer's ear treated?")
    assert answer.covered
    first = answer.citations[0]
    assert (first.source, first.section) == ("swimmers-ear.txt", "How is it treated?")
    assert "ear drops" in answer.text
