"""Saved web pages: the article is kept and the page's chrome dropped (tests/fixtures/pages, see
assistant/eval/pages.py for how the fixtures mark body and boilerplate)."""

from __future__ import annotations

import quopri
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from pathlib import Path

import pytest

from assistant.errors import ArticleError
from assistant.eval import pages as page_eval
from assistant.ingest.articles import parse_article
from assistant.ingest.sync import scan

from .helpers_embedder import FakeEmbedder

PAGES = page_eval.fixtures()
HELD_OUT = page_eval.fixtures(page_eval.HELD_OUT)


def test_there_are_at_least_12_marked_pages_and_the_markers_never_reach_the_reader():
    assert len(PAGES) >= 12
    for page in PAGES:
        assert page.sentences and page.junk and page.title, page.name
        assert "data-expect" not in page.html, page.name


@pytest.mark.parametrize("pages", [PAGES, HELD_OUT], ids=["fixtures", "held-out"])
def test_the_reader_keeps_the_body_and_drops_the_boilerplate_over_all_pages(pages):
    assert len(pages) >= 3
    score = page_eval.evaluate(page_eval.CANDIDATES["ours: trafilatura selection + our sections"], pages)
    assert score.body_lost <= 0.02, score.problems
    assert score.junk_kept <= 0.02, score.problems
    assert score.heading_lost <= 0.02, score.problems
    assert score.titles_right == len(pages), score.problems


def test_the_rules_alone_keep_the_chrome_the_issue_describes():
    """Why trafilatura is in: the hand-written rules keep the cookie banner, comments and teasers."""
    score = page_eval.evaluate(page_eval.CANDIDATES["rules alone (this branch, no trafilatura)"], PAGES)
    assert score.junk_kept > 0.2


@pytest.mark.parametrize("page", PAGES, ids=[p.name for p in PAGES])
def test_each_page_is_an_article_with_its_headings_as_sections(page):
    article = parse_article(page.html.encode(), f"{page.name}.html")
    assert article.title == page.title
    parts = {part for s in article.sections for part in s.heading.split(" › ")}
    assert set(page.headings) <= parts
    text = article.text
    for piece in ("cookie", "Subscribe", "Reply", "Copyright", "Advertisement"):
        assert piece not in text, (page.name, piece)


def test_comment_thread_and_teasers_in_plain_divs_are_not_quoted():
    """The issue's page: cookie banner, related articles, newsletter box, two reader comments, all in <div>s."""
    page = next(p for p in PAGES if p.name == "02-div-soup")
    article = parse_article(page.html.encode(), "page.html")
    assert article.url == "https://footfacts.example/ingrown-toenail"
    assert [s.heading for s in article.sections] == [
        "",
        "Common causes",
        "Easing it at home",
        "Seeing a foot specialist",
    ]
    for junk in ("salty water", "work boots", "Athlete's foot", "every Friday", "small files"):
        assert junk not in article.text


def test_a_data_table_is_read_row_by_row():
    page = next(p for p in PAGES if p.name == "13-consent-dialog-table")
    article = parse_article(page.html.encode(), "page.html")
    table = next(s for s in article.sections if s.heading == "Comparing the symptoms").text
    assert "Fever | Rare | Common and often high" in table.split("\n")


def test_the_steps_of_an_ordered_list_keep_their_numbers():
    """An <ol> is a procedure: its items are read "1. ...", "2. ..." (from `start` when given), so an answer that
    quotes the steps numbers them as the page does; a <ul> stays "- "."""
    html = (
        "<html><head><title>Nosebleeds</title></head><body><h1>Nosebleeds</h1>"
        "<h2>Stopping the bleeding</h2><p>Do these in order:</p>"
        "<ol><li>Sit down and lean forward.</li><li>Pinch the soft part of your nose.</li>"
        "<li>Hold it for 10 to 15 minutes.</li></ol>"
        "<h2>Carrying on</h2><ol start='4'><li>Spit out any blood.</li></ol>"
        "<h2>Avoid</h2><ul><li>Blowing your nose for a day.</li></ul></body></html>"
    )
    article = parse_article(html.encode(), "nosebleeds.html")
    sections = {s.heading: s.text.split("\n") for s in article.sections}
    assert sections["Stopping the bleeding"] == [
        "Do these in order:",
        "1. Sit down and lean forward.",
        "2. Pinch the soft part of your nose.",
        "3. Hold it for 10 to 15 minutes.",
    ]
    assert sections["Carrying on"] == ["4. Spit out any blood."]
    assert sections["Avoid"] == ["- Blowing your nose for a day."]


def test_a_kicker_above_the_title_is_not_the_articles_opening():
    """A category label or breadcrumb set above the <h1> ("Summer health") is page chrome: it was read into the
    introduction ("Summer health Page last reviewed: June 2024 Heat exhaustion happens ..."). Longer text above the
    title is still the article's."""
    body = (
        "<h1>Heat exhaustion</h1><p>Page last reviewed: June 2024</p>"
        "<p>Heat exhaustion happens when the body gets too hot and loses water and salt through heavy sweating.</p>"
        "<h2>How to recognise it</h2><p>Signs include a headache, dizziness and heavy sweating with pale skin.</p>"
    )
    kicker = parse_article(f"<html><body><article><p>Summer health</p>{body}</article></body></html>".encode(), "h.html")
    assert kicker.title == "Heat exhaustion"
    assert "Summer health" not in kicker.text
    assert kicker.sections[0].heading == "" and "Heat exhaustion happens" in kicker.sections[0].text
    lead = "Hot weather is coming, and everyone should know the signs of overheating before the first warm day."
    opening = parse_article(f"<html><body><article><p>{lead}</p>{body}</article></body></html>".encode(), "h.html")
    assert lead in opening.text
    urgent = "Call 999 if someone stops breathing."  # short, but a sentence: the article's
    warned = parse_article(f"<html><body><article><p>{urgent}</p>{body}</article></body></html>".encode(), "h.html")
    assert urgent in warned.text
    first = "<h1>Heat exhaustion</h1><p>Cool the person down at once.</p>"  # after the title: never a kicker
    twice = parse_article(f"<html><body><article>{first}{body}</article></body></html>".encode(), "h.html")
    assert "Cool the person down at once." in twice.text


def test_a_short_page_trafilatura_finds_nothing_in_is_still_read():
    a = parse_article(b"<html><body><p>Short note kwshort.</p></body></html>", "n.html")
    assert "kwshort" in a.text


# --- pages saved "complete" and as one file ------------------------------------------------------


def _save_complete(folder: Path, name: str, html: str) -> None:
    """What a browser's "Web page, complete" writes: NAME.html and NAME_files/ with its parts."""
    (folder / f"{name}.html").write_text(html)
    parts = folder / f"{name}_files"
    (parts / "frames").mkdir(parents=True)
    (parts / "analytics.js").write_text("var kwscript = 1;")
    (parts / "site.css").write_text("body{color:#222}")
    (parts / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(64))
    (parts / "frames" / "ad-frame.html").write_text("<html><body><p>Buy kwadframe pills today.</p></body></html>")


def test_a_page_saved_complete_is_one_article_and_its_files_folder_is_ignored(tmp_path: Path):
    page = next(p for p in PAGES if p.name == "05-comment-thread")
    _save_complete(tmp_path, "heel-pain", page.html)
    (tmp_path / "notes_files").mkdir()  # a folder named like one, with no page beside it, is scanned
    (tmp_path / "notes_files" / "real.md").write_text("# Real\n\nA real article kwreal.\n")
    files, skipped = scan(tmp_path)
    assert sorted(f.relative_to(tmp_path).as_posix() for f in files) == ["heel-pain.html", "notes_files/real.md"]
    assert skipped == []  # the scripts, styles, images and frames are not listed as skipped


def _mhtml(html: str, charset: str = "utf-8") -> bytes:
    """A page saved as one file, as a browser writes it: multipart/related, the page quoted-printable."""
    msg = MIMEMultipart("related", type="text/html")
    msg["Subject"] = "Saved page"
    msg["Snapshot-Content-Location"] = "https://runwell.example/blog/plantar-fasciitis"
    part = MIMEText(html, "html", charset)
    del part["Content-Transfer-Encoding"]
    part.set_payload(quopri.encodestring(html.encode(charset)).decode("ascii"))
    part["Content-Transfer-Encoding"] = "quoted-printable"
    part["Content-Location"] = "https://runwell.example/blog/plantar-fasciitis"
    msg.attach(part)
    css = MIMEText("body{color:#222}", "css")
    css["Content-Location"] = "https://runwell.example/site.css"
    msg.attach(css)
    return msg.as_bytes()


def test_mhtml_reads_its_html_part_like_the_html_page():
    page = next(p for p in PAGES if p.name == "05-comment-thread")
    html = page.html.replace("Heel pain", "Heel pain – café")  # non-ASCII through quoted-printable
    data = _mhtml(html)
    assert b"=E2=80=93" in data  # really quoted-printable
    saved = parse_article(data, "heel-pain.mhtml")
    direct = parse_article(html.encode(), "heel-pain.html")
    assert (saved.title, saved.url, saved.sections) == (direct.title, direct.url, direct.sections)
    assert saved.title == "Heel pain – café from plantar fasciitis"
    assert "night splints" not in saved.text  # the comments are dropped here too


def test_mhtml_without_an_html_part_is_skipped_with_a_reason():
    msg = MIMEMultipart("related")
    msg.attach(MIMEText("just text", "plain"))
    with pytest.raises(ArticleError, match="no HTML part"):
        parse_article(msg.as_bytes(), "x.mht")


def test_ingest_of_a_saved_complete_page_skips_nothing(tmp_path: Path, make_bot):
    page = next(p for p in PAGES if p.name == "05-comment-thread")
    tmp_path = tmp_path / "pages"  # the store is made beside it
    tmp_path.mkdir()
    _save_complete(tmp_path, "heel-pain", page.html)
    (tmp_path / "heel-pain.mhtml").write_bytes(_mhtml(page.html.replace("Heel pain", "Saved heel pain")))
    bot = make_bot(emb=FakeEmbedder())
    report = bot.ingest([tmp_path])
    assert (report.added, report.skipped) == (2, [])
    assert sorted(a.source for a in bot.articles()) == ["heel-pain.html", "heel-pain.mhtml"]
    assert not any("kwscript" in c.text or "kwadframe" in c.text for c in bot.chunks())


def test_a_page_over_the_main_content_bound_is_read_with_the_rules_alone(monkeypatch):
    import assistant.ingest.html_reader as html_reader

    page = next(p for p in PAGES if p.name == "02-div-soup")
    monkeypatch.setattr(html_reader, "MAIN_CONTENT_MAX_CHARS", len(page.html) - 1)
    article = parse_article(page.html.encode(), "page.html")
    assert (
        article.title == "Ingrown toenails" and "registered in England" in article.text
    )  # no trafilatura: chrome kept


def test_a_store_from_the_previous_parser_version_is_reparsed_but_unchanged_text_is_not_embedded_again(
    tmp_path: Path, corpus_copy: Path, monkeypatch
):
    """PARSER_VERSION 2 re-parses every file of a store built before; the shipped corpus (its HTML
    parses exactly as before) gets no new vectors."""
    import assistant.ingest.sync as sync
    from assistant import Assistant, Settings

    settings = Settings.from_env(store=tmp_path / "store")
    with monkeypatch.context() as m:
        m.setattr(sync, "PARSER_VERSION", "1")
        with Assistant.open(settings=settings, embedder=FakeEmbedder()) as bot:
            first = bot.ingest([corpus_copy])
    with Assistant.open(settings=settings, embedder=FakeEmbedder()) as bot:
        report = bot.ingest([corpus_copy])
        again = bot.ingest([corpus_copy])
    assert first.added == len(list(corpus_copy.iterdir())) and first.chunks > 0
    assert (report.updated, report.added, report.chunks) == (first.added, 0, 0)
    assert (again.unchanged, again.updated) == (first.added, 0)


@pytest.mark.slow
def test_a_page_saved_by_chromium_as_mhtml_reads_like_the_page(tmp_path: Path):
    """A real .mhtml: Chromium's own "save as single file" (CDP Page.captureSnapshot), non-ASCII title."""
    from playwright.sync_api import sync_playwright

    from .helpers_browser import CHROMIUM, CHROMIUM_ARGS

    if not CHROMIUM.exists():
        pytest.fail("needs Debian's Chromium at /usr/bin/chromium: run `apt-get install -y chromium`")
    page = next(p for p in PAGES if p.name == "04-breadcrumbs-share")
    html = page.html.replace("Cold sores</h1>", "Cold sores – herpès labial</h1>")
    src = tmp_path / "cold-sores.html"
    src.write_text(html)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            tab = browser.new_page()
            tab.goto(src.as_uri())
            data = tab.context.new_cdp_session(tab).send("Page.captureSnapshot", {"format": "mhtml"})["data"]
        finally:
            browser.close()
    assert "quoted-printable" in data and "Saved by Blink" in data
    saved = parse_article(data.encode(), "cold-sores.mhtml")
    direct = parse_article(html.encode(), "cold-sores.html")
    assert saved.title == "Cold sores – herpès labial"
    assert (saved.url, saved.sections) == (direct.url, direct.sections)
    assert "Share on Facebook" not in saved.text


def test_upload_accepts_a_saved_page_as_mhtml(tmp_path: Path):
    from assistant.web.uploads import save_uploads

    page = next(p for p in PAGES if p.name == "05-comment-thread")
    (result,) = save_uploads([("Heel pain.mhtml", _mhtml(page.html))], tmp_path, max_bytes=1_000_000)
    assert (result.status, result.saved_as) == ("added", "Heel-pain.mhtml")


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("Gout | Site", "Gout"),
        ("Heat rash - Valley Family Practice", "Heat rash"),
        ("Migraine: symptoms and triggers", "Migraine: symptoms and triggers"),
    ],
)
def test_a_page_without_h1_takes_its_title_without_the_site_name(title, expected):
    page = f"<html><head><title>{title}</title></head><body><p>Body text about the condition.</p></body></html>"
    assert parse_article(page.encode(), "t.html").title == expected
