"""Files that try to leave the folder, files over the size limit, navigation lines in article text (issue 14)."""

from __future__ import annotations

import logging
import os
from pathlib import Path

from assistant import Assistant, Settings
from assistant.ingest.articles import parse_article

from .helpers_embedder import FakeEmbedder
from .helpers_store import write_articles


def _bot(tmp_path: Path, **settings) -> Assistant:
    return Assistant.open(settings=Settings(store=tmp_path / "store", **settings), embedder=FakeEmbedder())


def test_links_out_of_the_folder_are_never_followed_also_on_re_sync(tmp_path):
    outside = tmp_path / "outside"
    write_articles(outside, [90, 91])
    secret = outside / "secret.txt"
    secret.write_text("Secret\n\nThe login shell of root is quuxshell and nobody may read it.\n")
    folder = tmp_path / "articles"
    write_articles(folder, [1, 2])
    os.symlink(secret, folder / "passwd.txt")
    os.symlink(outside, folder / "more")  # a folder link
    os.symlink(folder / "article-001.md", folder / "alias.md")  # a link inside the folder is fine
    bot = _bot(tmp_path)
    try:
        for run in range(2):  # the first ingest and a re-sync
            if run:
                os.symlink(secret, folder / "late.txt")
            report = bot.ingest([folder])
            reasons = dict(report.skipped)
            assert reasons[str(folder / "passwd.txt")] == "link points outside the folder"
            assert reasons[str(folder / "more")] == "link points outside the folder"
            if run:
                assert reasons[str(folder / "late.txt")] == "link points outside the folder"
            sources = {a.source for a in bot.articles()}
            assert sources == {"article-001.md", "article-002.html", "alias.md"}, sources
            assert not any("quuxshell" in h.text for h in bot.search("login shell of root quuxshell", k=10))
    finally:
        bot.close()


def test_a_file_over_the_size_limit_is_skipped_on_the_first_ingest_with_its_size_and_the_setting(tmp_path, monkeypatch):
    folder = tmp_path / "articles"
    write_articles(folder, [1])
    big = folder / "big.txt"
    big.write_text("Big article\n\n" + "The calf muscle cramps at night. " * 40_000)  # about 1.3 MB
    monkeypatch.setenv("ASSISTANT_MAX_FILE_MB", "1")
    bot = Assistant.open(settings=Settings.from_env(store=tmp_path / "store"), embedder=FakeEmbedder())
    try:
        report = bot.ingest([folder])
        reason = dict(report.skipped)[str(big)]
        assert "1.3 MB" in reason and "ASSISTANT_MAX_FILE_MB" in reason, reason
        assert {a.source for a in bot.articles()} == {"article-001.md"}
    finally:
        bot.close()


def test_a_big_file_within_the_limit_is_embedded_in_bounded_batches_with_progress(tmp_path, caplog):
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "big.txt").write_text("Big article\n\n" + "\n\n".join(
        f"Paragraph {i} says the calf muscle cramps at night after a long walk in the cold." for i in range(6000)))

    class Recording(FakeEmbedder):
        sizes: list[int] = []

        def embed_documents(self, texts):
            self.sizes.append(len(texts))
            return super().embed_documents(texts)

    embedder = Recording()
    bot = Assistant.open(settings=Settings(store=tmp_path / "store"), embedder=embedder)
    caplog.set_level(logging.INFO, logger="assistant")
    try:
        report = bot.ingest([folder])
    finally:
        bot.close()
    assert report.chunks > 600 and max(embedder.sizes) <= 512, (report.chunks, embedder.sizes[:5])
    assert any(f"of {report.chunks} chunks" in r.getMessage() for r in caplog.records)


def test_navigation_lines_are_dropped_only_before_the_teasers_never_article_text():
    text = (
        "Night cramps\n\nNight cramps\n\nCramps wake many people at night.\n\n"
        ">>: the calf is the usual place, and stretching before bed helps most people.\n\n"
        "Warm baths also help the muscle relax.\n\n"
        "<<:  Previous article\n\n>>:  Next article\n\nRecommend\n\nWhy feet swell\n\nSwelling of the feet...\n"
    )
    article = parse_article(text.encode(), "cramps.txt")
    body = article.text
    assert "stretching before bed helps" in body and "Warm baths also help" in body, body
    assert "Previous article" not in body and "Next article" not in body and "Swelling of the feet" not in body
    # at the end of a file without teasers, the navigation block still goes
    plain = parse_article(b"Title\n\nTitle\n\nSome text here.\n\n<<: Back\n>>: Next\n", "a.txt").text
    assert "Back" not in plain and "Next" not in plain and "Some text here." in plain
