"""Parsing article files into title, sections and url (no model, no store)."""

from pathlib import Path

import pytest

from assistant.errors import ArticleError
from assistant.ingest.articles import parse_article, read_article

from .helpers_data import CORPUS, FIXTURE_ARTICLES, SHARED_DATA, needs_shared

SEED = SHARED_DATA / "seed" / "why-leg-cramps-on-waking.txt"
SCRAPED = FIXTURE_ARTICLES / "why-hands-go-numb-at-night.txt"
"""Our own article in the seed's scraped style: repeated title, numbered lists, site navigation, teasers."""
TIGHT = FIXTURE_ARTICLES / "swimmers-ear.txt"
"""Our own article whose headings are followed directly by their text (no blank line after a heading)."""
TIGHT_HEADINGS = [
    "What is swimmer's ear?",
    "Symptoms",
    "How is it treated?",
    "How to prevent it",
    "When to see a doctor",
]


def _sections(a) -> list[tuple[str, str]]:
    return [(s.heading, s.text) for s in a.sections]


def _blank_after_headings(text: str, headings: list[str]) -> str:
    """The same article in the blank-line form: a blank line after each heading line."""
    return "\n".join(f"{line}\n" if line in headings else line for line in text.split("\n"))


def test_scraped_article_title_sections_and_no_site_boilerplate():
    a = read_article(SCRAPED, SCRAPED.parent)
    assert a.title == "Why do my hands go numb at night"
    assert [s.heading for s in a.sections] == [
        "",
        "Common causes of numb hands at night",
        "What to do when it happens",
        "Kinds of night numbness › Pressure numbness",
        "Nerve entrapment numbness",
    ]
    assert a.sections[0].text.startswith("Waking up with a numb or tingling hand")
    body = a.text
    assert body.count("Why do my hands go numb at night") == 1  # the repeated title (and its question form) once
    for boilerplate in ("<<:", ">>:", "green tea", "afternoon nap", "Recommend", "stiff neck", "shingles", "knees click", "standing desks", "..."):
        assert boilerplate not in body, boilerplate
    assert "1. Lying on your arm: sleeping on your side" in body  # numbered lists are kept
    assert "4. Wear a soft wrist splint" in body
    assert body.rstrip().endswith("resting the wrist.")  # nothing after the last section survives


def test_headings_followed_directly_by_text_read_as_the_blank_line_form():
    tight = TIGHT.read_text()
    blank = _blank_after_headings(tight, ["Swimmer's ear", *TIGHT_HEADINGS])
    assert blank != tight and "\n\nHow is it treated?\n\nA doctor" in blank
    a, b = parse_article(tight.encode(), "swimmers-ear.txt"), parse_article(blank.encode(), "swimmers-ear.txt")
    assert a.title == b.title == "Swimmer's ear"
    assert [s.heading for s in a.sections] == TIGHT_HEADINGS
    assert _sections(a) == _sections(b)
    assert a.sections[2].text.startswith("A doctor or pharmacist can suggest ear drops")
    assert a.sections[1].text.endswith("- Muffled hearing while the canal is swollen")  # the list stays in its section


def test_a_title_and_a_nested_heading_followed_directly_by_text():
    tight = b"Night cramps\nA short opening paragraph.\n\nKinds\n\nCalf cramps\nThey wake you at night.\n"
    blank = b"Night cramps\n\nA short opening paragraph.\n\nKinds\n\nCalf cramps\n\nThey wake you at night.\n"
    a, b = parse_article(tight, "c.txt"), parse_article(blank, "c.txt")
    assert a.title == b.title == "Night cramps"
    expected = [("", "A short opening paragraph."), ("Kinds › Calf cramps", "They wake you at night.")]
    assert _sections(a) == _sections(b) == expected


@pytest.mark.parametrize(
    "paragraph",
    [
        # hard-wrapped at 60 columns: a line that ends short only because the next word did not fit
        "Swimmer's ear is an infection of the skin of the ear canal\n"
        "Which runs from the opening of the ear to the eardrum. It\n"
        "is common in summer and in children who swim a great deal.",
        # the next line goes on in lower case; the first line ends with a colon
        "Keep the ear dry while it heals and avoid swimming for a\nweek or so, until the drops have done their work.",
        "Rest, ice and raising the leg help:\nApply ice for twenty minutes at a time.",
        "- Redness and swelling\nClear fluid draining from the ear",  # a list item is not a heading
    ],
)
def test_lines_of_a_paragraph_are_not_taken_for_a_heading(paragraph):
    text = f"Ear infections\n\n{paragraph}\n\nLast words\n\nThe end of the article.\n"
    a = parse_article(text.encode(), "e.txt")
    assert [s.heading for s in a.sections] == ["", "Last words"]
    assert a.sections[0].text == paragraph


@needs_shared("seed")
def test_seed_article_title_sections_and_no_site_boilerplate():
    """The real scraped article the project started from (../shared/data/seed)."""
    a = read_article(SEED, SEED.parent)
    assert a.title == "Why do I get leg cramps when I wake up"
    headings = [s.heading for s in a.sections]
    assert "Causes of leg cramps at night" in headings
    assert "The fastest solution for leg cramps" in headings
    assert any("Night cramps" in h for h in headings)
    assert any("Heat stroke cramps" in h for h in headings)
    body = a.text
    assert body.count("Why do I get leg cramps when I wake up") == 1  # the title once
    for boilerplate in ("<<:", ">>:", "Recommend", "herpes", "Osteosarcoma", "persimmons", "..."):
        assert boilerplate not in body, boilerplate
    assert "1. Influence of the external environment" in body  # numbered lists are kept


def test_shipped_txt_articles_lose_navigation_and_teasers():
    txts = sorted(CORPUS.glob("*.txt"))
    assert len(txts) >= 8
    for path in txts:
        raw = path.read_text()
        assert "Recommend" in raw or "Source:" in raw  # the raw scraped style
        a = read_article(path, CORPUS)
        assert "<<:" not in a.text and ">>:" not in a.text and "Recommend" not in a.text
        assert not any(line.rstrip().endswith("...") for line in a.text.splitlines()), path.name
        assert a.title and len(a.sections) >= 3


@pytest.mark.parametrize(
    ("name", "title", "url", "heading"),
    [
        ("passage-heat-rash.txt", "Heat rash", "https://example.org/health/heat-rash", ""),
        ("passage-chilblains.txt", "Chilblains", "https://example.org/health/chilblains", "What are chilblains?"),
    ],
)
def test_passage_topic_becomes_title_and_source_line_the_url(name, title, url, heading):
    """One long `Topic: body` line, a blank line, `Source: <url>` (the MEDIQA passages' format)."""
    a = read_article(FIXTURE_ARTICLES / name, FIXTURE_ARTICLES)
    assert (a.title, a.url) == (title, url)
    assert "Source:" not in a.text
    [section] = a.sections
    assert section.heading == heading  # "Topic (Question?): ..." makes the question the heading
    assert section.text.startswith(title) and not section.text.startswith(f"{title}:")  # the topic is not body
    assert section.text.endswith(("come with it.", "keep coming back."))


@needs_shared("mediqa", "passages")
def test_mediqa_passage_topic_becomes_title_and_source_line_the_url():
    passages = SHARED_DATA / "mediqa" / "passages"
    path = sorted(passages.glob("*.txt"))[0]
    raw = path.read_text()
    topic = raw.split(":", 1)[0].split(" (")[0].strip()
    a = read_article(path, passages)
    assert a.title == topic
    assert a.url and a.url.startswith("http")
    assert "Source:" not in a.text
    assert len(a.title) < 150


def test_topic_with_question_in_parentheses():
    a = parse_article(b"Gout (What causes it?): Gout is a kind of arthritis. It hurts.\n\nSource: #\n", "g.txt")
    assert a.title == "Gout"
    assert a.sections[0].heading == "What causes it?"
    assert a.url is None  # "Source: #" is no url
    assert a.sections[0].text.startswith("Gout is a kind of arthritis.")


def test_paragraph_is_not_mistaken_for_a_title():
    text = b"This file starts with a long paragraph about sleep. It has several sentences. Nothing here is a title.\n"
    a = parse_article(text, "notes/sleep-tips.txt")
    assert a.title == "Sleep tips"
    assert "long paragraph" in a.sections[0].text


def test_markdown_front_matter_and_headings():
    md = b'---\ntitle: "Gout"\nurl: https://example.org/gout\nsource: X\n---\n\n# Gout\n\n## What is gout?\n\nA kind of arthritis.\n\n## How is it treated?\n\n- Rest\n- Ice\n'
    a = parse_article(md, "gout.md")
    assert (a.title, a.url) == ("Gout", "https://example.org/gout")
    assert [s.heading for s in a.sections] == ["What is gout?", "How is it treated?"]
    assert a.sections[1].text == "- Rest\n- Ice"


def test_markdown_with_broken_front_matter_keeps_the_text():
    md = b"---\ntitle: [unclosed\n---\n# Real title\n\nBody text here.\n"
    a = parse_article(md, "x.md")
    assert a.title == "Real title"
    assert "Body text here." in a.text


def test_html_strips_scripts_styles_nav_and_footer():
    html = b"""<html><head><title>Gout | Site</title><style>p{color:red}</style>
    <script>var tracking = 1;</script></head><body><nav><a href='/'>Home menu</a></nav>
    <h1>Gout</h1><p>Gout is arthritis.</p><h2>Causes</h2><p>Uric acid builds up.</p>
    <h3>Diet</h3><ul><li>Red meat</li><li>Beer</li></ul><footer>Copyright 2026</footer></body></html>"""
    a = parse_article(html, "gout.html")
    assert a.title == "Gout"
    assert [s.heading for s in a.sections] == ["", "Causes", "Causes › Diet"]
    text = a.text
    for junk in ("tracking", "color:red", "Home menu", "Copyright"):
        assert junk not in text
    assert "- Red meat" in text


@pytest.mark.parametrize(
    ("data", "reason"),
    [(b"", "empty"), (b"   \n\n", "empty"), (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary")],
)
def test_unreadable_files_raise_with_a_reason(data, reason):
    with pytest.raises(ArticleError, match=reason):
        parse_article(data, "bad.txt")


def test_unsupported_extension():
    with pytest.raises(ArticleError, match="unsupported"):
        parse_article(b"hello there friend", "x.xyz")


def test_utf16_and_crlf_are_read():
    a = parse_article("Title line\r\n\r\nBody one is here.\r\n".encode("utf-16"), "t.txt")
    assert a.title == "Title line"
    assert a.sections[0].text == "Body one is here."


def test_read_article_gives_posix_relative_source(tmp_path: Path):
    (tmp_path / "sub dir").mkdir()
    f = tmp_path / "sub dir" / "ärticle.md"
    f.write_text("# Hello\n\nSome words here.\n")
    a = read_article(f, tmp_path)
    assert a.source == "sub dir/ärticle.md"
