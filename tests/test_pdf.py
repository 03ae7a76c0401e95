"""PDF articles, with real PDFs: the corpus' HTML pages and test documents printed by Chromium
(tests/helpers_pdf.py, one browser for the session), odd ones written with fpdf2."""

from __future__ import annotations

import hashlib
import re
import shutil
import sqlite3
from pathlib import Path

import pytest

from assistant import Settings
from assistant.cli import ingest_main
from assistant.errors import ArticleError
from assistant.ingest.articles import parse_article
from assistant.ingest.chunking import Chunker
from assistant.ingest.pdf_reader import NEEDS_PASSWORD, NO_TEXT, TRUNCATED
from assistant.store.manifest import Manifest
from assistant.types import Answer, Citation
from assistant.web.render import article_html, passage_rows, render_answer
from assistant.web.uploads import save_uploads

from .helpers_data import CORPUS
from .helpers_embedder import FakeEmbedder
from .helpers_pdf import (
    CHROMIUM,
    image_only_pdf_bytes,
    print_pdfs,
    row_by_row_columns_pdf_bytes,
    text_pdf_bytes,
    two_column_html,
)

HTML_FIXTURES = sorted(p.name for p in CORPUS.glob("*.html"))

LEFT = [
    "Alpha column one starts the left side of the page with a sentence about walking every day.",
    "Bravo paragraph two is still in the left column and talks about drinking water with meals.",
    "Charlie closes the left column with a line about sleeping at the same time each night.",
]
RIGHT = [
    "Delta opens the right column and says that stretching the calves can ease night cramps.",
    "Echo paragraph continues the right column with advice on warm baths before going to bed.",
    "Foxtrot ends the right column with a reminder to see a doctor when cramps keep coming back.",
]

ICE = (
    "Wrap crushed ice in a thin towel and hold it on the sprained ankle for fifteen to twenty minutes "
    "every two to three hours during the first two days."
)
ANKLE = f"""<html><head><title>ankle.docx - Word</title></head><body>
<h1>Caring for a sprained ankle</h1>
<h2>What a sprain is</h2>
<p>{"A sprain is a stretched or torn ligament, the tough band that holds the bones of a joint together. " * 8}</p>
<p>{"Most ankle sprains happen when the foot rolls inwards on uneven ground or during sport. " * 8}</p>
<h2 style="page-break-before:always">First aid with ice</h2>
<p>{ICE} Do not put ice straight on the skin, because it can burn.</p>
<p>{"Raise the foot on a pillow above the level of the heart to bring the swelling down. " * 6}</p>
<h3>Compression</h3>
<p>A soft elastic bandage helps with the swelling; take it off before you sleep.</p>
<ul><li>rest the ankle for two days</li><li>keep it raised when sitting</li><li>walk again as soon as the pain allows</li></ul>
<h2 style="page-break-before:always">When to see a doctor</h2>
<p>See a doctor if you cannot put any weight on the foot, if the ankle looks misshapen, or if the pain
is still severe after three days of rest and ice.</p>
<p>A long paragraph that runs over the page break: {"Keep moving the toes gently so the joint does not stiffen. " * 100}</p>
<p>It ends on the next page with this last sentence about slow walks.</p>
</body></html>"""

HYPHENS = """<html><body><h1>Words at line ends</h1>
<p style="width:160px">An inflam-<br>mation of the throat is common. A long-<br>lasting cough needs a doctor.</p>
</body></html>"""


@pytest.fixture(scope="session")
def printed(tmp_path_factory) -> dict[str, Path]:
    """Every Chromium-printed PDF of the tests, made once (about two seconds)."""
    if not CHROMIUM.exists():
        pytest.fail(
            "the PDF tests print with Debian's Chromium at /usr/bin/chromium: run `apt-get install -y chromium`"
        )
    docs = {name.replace(".html", ".pdf"): (CORPUS / name).read_text(encoding="utf-8") for name in HTML_FIXTURES}
    docs["ankle.pdf"] = ANKLE
    docs["two-columns.pdf"] = two_column_html(LEFT, RIGHT, "Two columns of advice")
    docs["hyphens.pdf"] = HYPHENS
    return print_pdfs(docs, tmp_path_factory.mktemp("pdfs"))


def _pdf(printed, name: str):
    return parse_article(printed[name].read_bytes(), name)


def _sentences(text: str) -> list[str]:
    text = re.sub(r"^\s*- ", "", text, flags=re.M)
    return [s for s in (re.sub(r"\s+", " ", x).strip() for x in re.split(r"(?<=[.!?])\s+|\n", text)) if len(s) > 3]


# --- what the reader keeps ---------------------------------------------------------------------


@pytest.mark.parametrize("name", HTML_FIXTURES)
def test_printed_html_gives_back_title_headings_and_body(printed, name):
    html = parse_article((CORPUS / name).read_bytes(), name)
    pdf = _pdf(printed, name.replace(".html", ".pdf"))
    assert pdf.title == html.title
    assert [s.heading for s in pdf.sections if s.heading] == [s.heading for s in html.sections if s.heading]
    pdf_text = re.sub(r"\s+", " ", "\n".join(s.text for s in pdf.sections))
    wanted = [s for sec in html.sections for s in _sentences(sec.text)]
    found = [s for s in wanted if s in pdf_text]
    assert len(found) >= 0.98 * len(wanted), sorted(set(wanted) - set(found))
    assert pdf.format == "pdf" and pdf.pages >= 1


def test_lists_stay_lists_and_headings_nest(printed):
    article = _pdf(printed, "ankle.pdf")
    assert article.title == "Caring for a sprained ankle"  # the largest text on page 1, not the metadata title
    headings = [s.heading for s in article.sections]
    assert headings == [
        "What a sprain is",
        "First aid with ice",
        "First aid with ice › Compression",
        "When to see a doctor",
    ]
    compression = article.sections[2].text
    assert "- rest the ankle for two days\n- keep it raised when sitting\n- walk again" in compression


def test_running_header_footer_and_page_numbers_are_dropped_and_paragraphs_join_across_pages(printed):
    article = _pdf(printed, "ankle.pdf")
    assert article.pages == 4
    text = "\n".join(s.text for s in article.sections)
    assert "printed copy" not in text and not re.search(r"Page \d+ of \d+", text)
    last = article.sections[-1]
    paragraph = next(p for p in last.text.split("\n\n") if p.startswith("A long paragraph"))
    assert paragraph.count("Keep moving the toes gently so the joint does not stiffen.") == 100  # one paragraph
    start = last.text.index(paragraph)
    assert [page for _, page in last.page_starts] == [3, 4]
    assert start < last.page_starts[1][0] < start + len(paragraph)  # ... over the page break


def test_words_hyphenated_at_line_ends_are_joined(printed):
    text = _pdf(printed, "hyphens.pdf").sections[0].text
    assert "An inflammation of the throat" in text
    assert "A long-lasting cough" in text  # a prefix that takes a hyphen keeps it


def test_two_columns_are_read_column_by_column(printed):
    text = "\n".join(s.text for s in _pdf(printed, "two-columns.pdf").sections)
    for para in LEFT + RIGHT:
        assert para in text
    starts = [text.index(p) for p in LEFT + RIGHT]
    assert starts == sorted(starts)


def test_two_columns_written_row_by_row_are_read_column_by_column():
    article = parse_article(row_by_row_columns_pdf_bytes(LEFT, RIGHT, "Columns row by row"), "rows.pdf")
    assert article.title == "Columns row by row"
    text = re.sub(r"\s+", " ", "\n".join(s.text for s in article.sections))
    for para in LEFT + RIGHT:
        assert para in text
    starts = [text.index(p) for p in LEFT + RIGHT]
    assert starts == sorted(starts)


# --- files that are skipped, and why ----------------------------------------------------------------


def _garble_streams(data: bytes) -> bytes:
    """The PDF with the bytes inside every stream turned to noise (its structure intact)."""
    return re.sub(
        rb"stream\n(.*?)\nendstream", lambda m: b"stream\n" + bytes(len(m[1])) + b"\nendstream", data, flags=re.S
    )


LEAFLET = ["Leaflet on sunburn", "Cool the skin with a damp towel and drink plenty of water after too much sun."]


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda: image_only_pdf_bytes(), NO_TEXT),
        (lambda: text_pdf_bytes(LEAFLET, user_password="secret"), NEEDS_PASSWORD),
        (lambda: text_pdf_bytes(LEAFLET)[:-300], TRUNCATED),
        (lambda: b"%PDF-1.7\n" + bytes(range(256)) * 40 + b"\n%%EOF\n", "damaged PDF"),
        (lambda: _garble_streams(text_pdf_bytes(LEAFLET)), "damaged PDF"),
        (lambda: b"<html>not a pdf</html>\n%%EOF", "no PDF header"),
    ],
    ids=["scanned", "password", "truncated", "damaged", "garbled-streams", "not-a-pdf"],
)
def test_unreadable_pdfs_raise_their_own_reason(make, reason):
    with pytest.raises(ArticleError) as info:
        parse_article(make(), "leaflet.pdf")
    assert reason in str(info.value)
    assert "\n" not in str(info.value)


def test_a_pdf_with_only_an_owner_password_is_read():
    article = parse_article(text_pdf_bytes(LEAFLET, owner_password="owner-only"), "leaflet.pdf")
    assert article.title == "Leaflet on sunburn"
    assert "Cool the skin with a damp towel" in article.sections[0].text


# --- pages through chunks, store, hits, citations ----------------------------------------------------


def test_chunks_carry_their_first_and_last_page_and_other_formats_keep_their_ids(printed):
    chunker = Chunker(FakeEmbedder().count_tokens, 256, chunk_tokens=120, overlap=20)
    chunks = chunker.split(_pdf(printed, "ankle.pdf"))
    assert chunks[0].page == 1
    assert any(c.page == 2 and c.section == "First aid with ice" and "crushed ice" in c.text for c in chunks)
    assert any(c.page == 3 and c.page_end == 4 for c in chunks)  # the paragraph over the page break
    assert all(c.page is not None and c.page <= c.page_end for c in chunks)

    txt = chunker.split(parse_article((CORPUS / "nosebleeds.txt").read_bytes(), "nosebleeds.txt", root="/r"))
    for c in txt:  # the id formula of stores built before PDFs
        legacy = hashlib.sha256(f"/r\x00nosebleeds.txt\x00{c.position}\x00{c.embedded_text}".encode()).hexdigest()[:32]
        assert c.id == legacy and c.page is None


def test_sources_say_p_and_pp():
    cites = [
        Citation(1, "a.pdf", "Ankle", "Ice", "snippet one", page=3, page_end=3, position=0),
        Citation(2, "a.pdf", "Ankle", "Doctor", "snippet two", page=3, page_end=4, position=1),
        Citation(3, "b.txt", "Cramps", "", "snippet three", position=0),
    ]
    text = str(Answer("q", "One [1]. Two [2]. Three [3].", cites, covered=True))
    assert "[1] Ankle › Ice (a.pdf, p. 3)" in text
    assert "[2] Ankle › Doctor (a.pdf, pp. 3–4)" in text
    assert "[3] Cramps (b.txt)" in text
    md = render_answer(Answer("q", "One [1]. Two [2]. Three [3].", cites, covered=True)).markdown
    assert "`a.pdf` · p. 3 ·" in md and "`a.pdf` · pp. 3–4 ·" in md and "`b.txt` · relevance" in md


def test_ask_about_a_pdf_cites_its_section_and_page(printed, tmp_path, make_bot):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(printed["ankle.pdf"], corpus / "ankle.pdf")
    shutil.copy(CORPUS / "leg-cramps-at-night.txt", corpus)
    bot = make_bot()
    report = bot.ingest([corpus])
    assert report.added == 2 and not report.skipped
    answer = bot.ask("how long should I hold ice on a sprained ankle?")
    assert answer.covered
    first = answer.citations[0]
    assert (first.source, first.section, first.page) == ("ankle.pdf", "First aid with ice", 2)
    assert "(ankle.pdf, p. 2)" in str(answer)
    hits = bot.search("crushed ice towel sprained ankle", k=3)
    assert hits[0].source == "ankle.pdf" and hits[0].page == 2
    assert passage_rows(hits[:1])[0][2] == "ankle.pdf, p. 2"  # the Passages tab
    stored = bot.vectors.collection.get(ids=[hits[0].chunk_id], include=["metadatas"])["metadatas"][0]
    assert (stored["page"], stored["page_end"]) == (2, 2)  # the vector's metadata in Chroma too
    doc = bot.as_retriever(k=1).invoke("crushed ice towel sprained ankle")[0]
    assert doc.metadata["page"] == 2 and doc.metadata["page_end"] == 2
    reader = article_html(bot.article(corpus, "ankle.pdf"), section=first.section, passage=hits[0].text, pages="p. 2")
    assert "PDF, 4 pages" in reader and "cited passage: p. 2" in reader and 'id="cited"' in reader


# --- the same everywhere: sync, --list, uploads, old stores -------------------------------------------


def test_sync_reparses_a_changed_pdf_only_and_list_shows_format_and_pages(printed, tmp_path, monkeypatch, capsys):
    from assistant import Assistant
    from assistant.ingest import pdf_reader as pdf

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(printed["ankle.pdf"], corpus / "ankle.pdf")
    shutil.copy(CORPUS / "nosebleeds.txt", corpus)
    parsed: list[int] = []
    real = pdf.parse_pdf
    monkeypatch.setattr(pdf, "parse_pdf", lambda data: parsed.append(len(data)) or real(data))
    settings = Settings.from_env(store=tmp_path / "store")
    with Assistant.open(settings=settings, embedder=FakeEmbedder()) as bot:
        assert bot.ingest([corpus]).added == 2 and len(parsed) == 1
        again = bot.ingest([corpus])
        assert again.unchanged == 2 and again.chunks == 0 and len(parsed) == 1  # not re-parsed
        shutil.copy(printed["two-columns.pdf"], corpus / "ankle.pdf")
        changed = bot.ingest([corpus])
        assert changed.updated == 1 and changed.chunks > 0 and len(parsed) == 2
        assert {c.page for c in bot.chunks(corpus, "ankle.pdf")} == {1}
        infos = {a.source: a for a in bot.articles()}
        assert (infos["ankle.pdf"].format, infos["ankle.pdf"].pages) == ("pdf", 1)
        assert (infos["nosebleeds.txt"].format, infos["nosebleeds.txt"].pages) == ("txt", None)
    monkeypatch.setattr("assistant.assistant.load_embedder", lambda *a, **k: FakeEmbedder())
    assert ingest_main(["--list", "--store", str(tmp_path / "store")]) == 0
    out = capsys.readouterr().out
    assert "ankle.pdf\tpdf, 1 page\tTwo columns of advice" in out and "nosebleeds.txt\ttxt\t" in out


def test_the_app_articles_table_shows_format_and_pages(printed, tmp_path):
    """The Articles tab shows what `--list` shows: "pdf, 2 pages" for a PDF, the format for the rest,
    and the table filter finds articles by it."""
    from assistant import Assistant
    from assistant.web.render import ARTICLE_COLUMNS, article_rows

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(printed["ankle.pdf"], corpus / "ankle.pdf")
    shutil.copy(CORPUS / "nosebleeds.txt", corpus)
    with Assistant.open(settings=Settings.from_env(store=tmp_path / "store"), embedder=FakeEmbedder()) as bot:
        bot.ingest([corpus])
        infos = bot.articles()
        pages = next(a.pages for a in infos if a.source == "ankle.pdf")
        col = ARTICLE_COLUMNS.index("format")
        shown = {row[1]: row[col] for row in article_rows(infos)}
        assert pages and pages > 1
        assert shown == {"ankle.pdf": f"pdf, {pages} pages", "nosebleeds.txt": "txt"}
        assert [row[1] for row in article_rows(infos, "pdf")] == ["ankle.pdf"]


def test_ingest_skips_bad_pdfs_with_reasons_and_keeps_the_rest(printed, tmp_path):
    from assistant import Assistant

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(printed["two-columns.pdf"], corpus / "good.pdf")
    (corpus / "scan.pdf").write_bytes(image_only_pdf_bytes(1))
    (corpus / "locked.pdf").write_bytes(text_pdf_bytes(LEAFLET, user_password="pw"))
    (corpus / "cut.pdf").write_bytes(printed["ankle.pdf"].read_bytes()[:5000])
    settings = Settings.from_env(store=tmp_path / "store")
    with Assistant.open(settings=settings, embedder=FakeEmbedder()) as bot:
        report = bot.ingest([corpus])
    reasons = {Path(p).name: r for p, r in report.skipped}
    assert report.added == 1
    assert reasons == {"scan.pdf": NO_TEXT, "locked.pdf": NEEDS_PASSWORD, "cut.pdf": TRUNCATED}


def test_upload_accepts_a_pdf_and_refuses_a_scanned_one(printed, tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    results = save_uploads(
        [("Ankle care.pdf", printed["ankle.pdf"].read_bytes()), ("scan.pdf", image_only_pdf_bytes(1))],
        corpus,
        max_bytes=10 * 2**20,
    )
    assert [r.status for r in results] == ["added", "refused"]
    assert NO_TEXT in results[1].reason
    assert (corpus / "Ankle-care.pdf").read_bytes() == printed["ankle.pdf"].read_bytes()


def test_a_store_built_before_pages_opens_and_gives_page_none(tmp_path):
    from assistant import Assistant

    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS, corpus, ignore=lambda d, names: [n for n in names if not n.startswith("nose")])
    store = tmp_path / "store"
    with Assistant.open(settings=Settings.from_env(store=store), embedder=FakeEmbedder()) as bot:
        bot.ingest([corpus])
    with sqlite3.connect(store / "manifest.sqlite3") as db:  # the manifest as the code before PDFs wrote it
        for table, column in (
            ("chunks", "page"),
            ("chunks", "page_end"),
            ("articles", "format"),
            ("articles", "pages"),
        ):
            db.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
    old = Manifest(store / "manifest.sqlite3", read_only=True)  # a read-only store is read without the columns
    assert {c.page for c in old.iter_chunks()} == {None}
    assert [(a.format, a.pages) for a in old.article_infos()] == [("txt", None)]
    old.close()
    with Assistant.open(settings=Settings.from_env(store=store), embedder=FakeEmbedder()) as bot:  # migrated
        hit = bot.search("nosebleed pinch the nose", k=1)[0]
        assert hit.source == "nosebleeds.txt" and hit.page is None
        assert bot.ingest([corpus]).unchanged == 1  # nothing re-embedded
        assert bot.articles()[0].pages is None
