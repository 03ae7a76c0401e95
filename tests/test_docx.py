"""Word documents (.docx) written with python-docx in the tests: headings, lists, tables, the title,
damaged and legacy files, the zip-bomb guard, the sync and a question answered from one."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import docx
import pytest

from assistant.errors import ArticleError
from assistant.ingest.articles import parse_article, read_article
from assistant.ingest.docx_reader import OLD_WORD
from assistant.ingest.sync import scan

from .helpers_embedder import FakeEmbedder

BODY = "Chilblains are itchy swollen patches on the toes after the cold. They usually heal within three weeks."
WARM = "Warm the feet slowly instead of holding them against a hot radiator."


def make_docx(title: str | None = "Chilblains in winter", *, title_style: bool = False) -> bytes:
    d = docx.Document()
    if title is not None:
        d.core_properties.title = title
    if title_style:
        d.add_paragraph("Chilblains: a short guide", style="Title")
    d.add_paragraph(BODY)
    d.add_heading("Why they happen", level=1)
    d.add_paragraph("Cold narrows the small blood vessels; warming them quickly makes them leak.")
    d.add_heading("Who gets them", level=2)
    d.add_paragraph("Smokers and people with poor circulation get them more often.")
    d.add_heading("Looking after them", level=1)
    d.add_paragraph(WARM, style="List Bullet")
    d.add_paragraph("Keep the patches clean and do not scratch.", style="List Bullet")
    d.add_paragraph("Use calamine lotion for the itch.", style="List Number")
    d.add_heading("Kinds of footwear", level=1)
    table = d.add_table(rows=3, cols=2)
    for row, cells in zip(
        table.rows,
        [("Footwear", "Helps?"), ("Wool socks", "Yes, keep feet warm"), ("Tight boots", "No, they squeeze the toes")],
        strict=True,
    ):
        for cell, text in zip(row.cells, cells, strict=True):
            cell.text = text
    d.add_paragraph("Ask a doctor if the skin breaks or the patches keep coming back.")
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


def test_headings_lists_and_tables_become_sections_and_lines():
    a = parse_article(make_docx(), "chilblains.docx")
    assert a.title == "Chilblains in winter"  # the document properties
    assert [s.heading for s in a.sections] == [
        "",
        "Why they happen",
        "Why they happen › Who gets them",
        "Looking after them",
        "Kinds of footwear",
    ]
    assert a.sections[0].text == BODY
    care = a.sections[3].text.split("\n")
    assert care == [f"- {WARM}", "- Keep the patches clean and do not scratch.", "- Use calamine lotion for the itch."]
    table = a.sections[4].text
    assert "Footwear | Helps?\nWool socks | Yes, keep feet warm\nTight boots | No, they squeeze the toes" in table
    assert table.endswith("Ask a doctor if the skin breaks or the patches keep coming back.")


def test_title_from_the_title_style_or_the_first_heading():
    a = parse_article(make_docx(None, title_style=True), "x.docx")
    assert a.title == "Chilblains: a short guide"
    assert "Chilblains: a short guide" not in a.text.split("\n\n", 1)[1]  # not repeated in the body
    b = parse_article(make_docx(None), "x.docx")
    assert b.title == "Why they happen"  # no properties, no Title style: the first heading
    assert b.sections[0].text.startswith(BODY) and "Cold narrows" in b.sections[0].text  # its text: the introduction
    assert [s.heading for s in b.sections[1:3]] == ["Who gets them", "Looking after them"]


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"this is not a zip at all, just text with a .docx name", "damaged Word file"),
        (b"PK\x03\x04" + b"\x00" * 200, "damaged Word file"),
        (b"", "empty"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, OLD_WORD),  # a .doc renamed .docx
    ],
)
def test_broken_files_give_a_reason(data, reason):
    with pytest.raises(ArticleError, match=reason):
        parse_article(data, "broken.docx")


def test_truncated_docx_is_damaged():
    data = make_docx()
    with pytest.raises(ArticleError, match="damaged Word file"):
        parse_article(data[: len(data) // 2], "cut.docx")


def test_a_zip_without_a_word_document():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("hello.txt", "hi")
    with pytest.raises(ArticleError, match="not a Word document"):
        parse_article(buf.getvalue(), "x.docx")


def test_a_zip_bomb_is_refused_before_it_is_unpacked():
    buf = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(make_docx()), "r") as src, zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for item in src.infolist():
            z.writestr(item, src.read(item))
        z.writestr("word/media/padding.bin", b"\x00" * (20 * 2**20))  # 20 MB of zeros: 20 kB zipped
    data = buf.getvalue()
    assert len(data) < 200_000
    with pytest.raises(
        ArticleError,
        match=r"Word file unpacks to 21 MB, more than 2× the 1 MB file size limit \(ASSISTANT_MAX_FILE_MB\) \+ 8 MB",
    ):
        parse_article(data, "bomb.docx", max_bytes=2**20)
    assert parse_article(data, "bomb.docx").title == "Chilblains in winter"  # within the default limit


def test_the_file_size_limit_applies_to_docx(tmp_path: Path):
    (tmp_path / "big.docx").write_bytes(make_docx())
    with pytest.raises(ArticleError, match="too large"):
        read_article(tmp_path / "big.docx", tmp_path, max_bytes=1000)


def test_old_doc_is_listed_as_skipped_with_its_reason(tmp_path: Path):
    (tmp_path / "draft.doc").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600)
    (tmp_path / "notes.docx").write_bytes(make_docx())
    files, skipped = scan(tmp_path)
    assert [f.name for f in files] == ["notes.docx"]
    assert skipped == [(str(tmp_path / "draft.doc"), "old Word format: save it as .docx")]


def test_sync_reembeds_a_changed_docx_and_does_not_reparse_an_unchanged_one(tmp_path, make_bot, monkeypatch):
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "chilblains.docx").write_bytes(make_docx())
    (folder / "old.doc").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600)
    bot = make_bot(emb=FakeEmbedder())
    first = bot.ingest([folder])
    assert (first.added, first.chunks > 0) == (1, True)
    assert [(Path(p).name, r) for p, r in first.skipped] == [("old.doc", OLD_WORD)]

    import assistant.ingest.sync as sync

    calls: list[str] = []
    real = sync.parse_article
    monkeypatch.setattr(
        sync, "parse_article", lambda data, source, **kw: calls.append(source) or real(data, source, **kw)
    )
    again = bot.ingest([folder])
    assert (again.unchanged, again.added, again.updated, again.chunks, calls) == (1, 0, 0, 0, [])

    (folder / "chilblains.docx").write_bytes(make_docx("Chilblains, updated"))
    changed = bot.ingest([folder])
    assert (changed.updated, calls) == (1, ["chilblains.docx"])
    assert [a.title for a in bot.articles()] == ["Chilblains, updated"]


def test_the_reader_shows_the_extracted_text(tmp_path, make_bot):
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "chilblains.docx").write_bytes(make_docx())
    bot = make_bot(emb=FakeEmbedder())
    bot.ingest([folder])
    article = bot.article(folder, "chilblains.docx")
    assert article.title == "Chilblains in winter" and WARM in article.text
    assert "PK" not in article.text and "word/document.xml" not in article.text


def test_a_question_about_a_docx_is_answered_from_the_right_section(tmp_path, make_bot):
    """End to end with our model and store: the answer cites the Word document's section."""
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "chilblains.docx").write_bytes(make_docx())
    (folder / "hiccups.txt").write_text(
        "Hiccups\n\nCauses\n\nHiccups happen when the diaphragm twitches suddenly. Eating fast can start them.\n\n"
        "What helps\n\nSip cold water slowly or hold your breath for a short while.\n"
    )
    bot = make_bot()
    bot.ingest([folder])
    answer = bot.ask("how should I warm my feet when I have chilblains?")
    assert answer.covered
    first = answer.citations[0]
    assert (first.source, first.section) == ("chilblains.docx", "Looking after them")
    assert "Warm the feet slowly" in answer.text


def test_upload_accepts_a_docx_and_refuses_a_doc_with_its_reason(tmp_path: Path):
    from assistant.web.uploads import save_uploads

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    results = save_uploads(
        [
            ("Chilblains guide.docx", make_docx()),
            ("draft.doc", b"\xd0\xcf\x11\xe0" * 100),
            ("broken.docx", b"not a zip"),
        ],
        corpus,
        max_bytes=10_000_000,
    )
    status = {r.name: (r.status, r.reason) for r in results}
    assert status["Chilblains guide.docx"][0] == "added"
    assert (corpus / "Chilblains-guide.docx").read_bytes()[:2] == b"PK"  # saved as bytes, untouched
    assert status["draft.doc"] == ("refused", OLD_WORD)
    assert status["broken.docx"][0] == "refused" and "damaged Word file" in status["broken.docx"][1]


def test_a_docx_holding_more_text_than_the_file_size_limit_is_refused():
    d = docx.Document()
    for i in range(200):
        d.add_paragraph(f"Paragraph {i}: " + "water and rest help most people recover. " * 24)
    buf = io.BytesIO()
    d.save(buf)
    with pytest.raises(ArticleError, match=r"Word file holds 0 MB of text, more than the 0.143051 MB file size limit"):
        parse_article(buf.getvalue(), "long.docx", max_bytes=150_000)
    assert len(parse_article(buf.getvalue(), "long.docx", max_bytes=300_000).text) > 150_000
