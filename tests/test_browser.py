"""End to end in a real browser: `python app.py` over a small temp corpus, driven by Playwright
with Debian's Chromium (never a downloaded browser).

Screenshots go to a temporary folder (or $SCREENSHOT_DIR), so a test run leaves the checkout as it was;
UPDATE_DOCS_SCREENSHOT=1 also writes the README's picture, docs/screenshot.png."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from playwright.sync_api import expect

from assistant.web.feedback import read_feedback
from assistant.web.render import NOT_RANKED

from .helpers_app import free_port, start_app, stop
from .helpers_browser import CHROMIUM, CHROMIUM_ARGS
from .helpers_data import CORPUS, REPO
from .helpers_wait import wait_until

pytestmark = pytest.mark.slow

ARTICLES = ["leg-cramps-at-night.txt", "nosebleeds.txt", "snoring.txt", "tension-headache.html", "dehydration.md"]
XSS_ARTICLE = (
    "Kitchen burns <script>alert(1)</script>\n\n"
    "First aid for small kitchen burns\n\n"
    "Cool a small kitchen burn under cool running water for twenty minutes <img src=x onerror=alert(1)> "
    "and cover it loosely with cling film. ${alert(1)} {{constructor}} [click](javascript:alert(1))\n"
)
UPLOADED = (
    "# Chilblains in cold weather\n\n## What chilblains are\n\n"
    "Chilblains are itchy, swollen red patches on the toes and fingers that appear a few hours after "
    "the skin gets cold and is then warmed too quickly, for example by a hot radiator.\n"
)
ANSWER_TIMEOUT = 120_000  # ms
QUESTION = "#question textarea"


@pytest.fixture(scope="module")
def app_url(tmp_path_factory):
    """`python app.py --corpus ... --store ... --port ...` in a subprocess, until it says Ready."""
    if not CHROMIUM.exists():
        pytest.fail(
            "the browser test needs Debian's Chromium at /usr/bin/chromium: "
            "run `apt-get install -y chromium` (.ci/run installs it when missing)"
        )
    root = tmp_path_factory.mktemp("browser")
    corpus = root / "corpus"
    corpus.mkdir()
    for name in ARTICLES:
        shutil.copy(CORPUS / name, corpus / name)
    (corpus / "kitchen-burns.txt").write_text(XSS_ARTICLE)
    port = free_port()
    proc, output = start_app(corpus, root / "store", port)
    try:
        ready = next(line for line in output if line.startswith("Ready in"))
        assert f"http://127.0.0.1:{port}" in ready  # bound to localhost by default
        yield f"http://127.0.0.1:{port}/", root
    finally:
        stop(proc)


@pytest.fixture(scope="module")
def shots(tmp_path_factory) -> Path:
    """Where the screenshots go: $SCREENSHOT_DIR, else a temporary folder (never the checkout)."""
    folder = Path(os.environ.get("SCREENSHOT_DIR") or tmp_path_factory.mktemp("screenshots"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def screenshot(page, shots: Path, name: str) -> None:
    page.screenshot(path=str(shots / name), animations="disabled")
    if name == "screenshot.png" and os.environ.get("UPDATE_DOCS_SCREENSHOT") == "1":
        page.screenshot(path=str(REPO / "docs" / "screenshot.png"), animations="disabled")


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield b
        b.close()


class Watched:
    """A page with every request and every JS dialog recorded."""

    def __init__(self, browser, url: str, **context):
        self.url = url
        self.context = browser.new_context(**(context or {"viewport": {"width": 1440, "height": 900}}))
        self.page = self.context.new_page()
        self.requests: list[str] = []
        self.dialogs: list[str] = []
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))
        self.page.goto(url)
        self.page.locator(QUESTION).wait_for(timeout=60_000)

    def external_requests(self) -> list[str]:
        return [u for u in self.requests if not u.startswith(self.url) and not u.startswith(("data:", "blob:"))]

    def ask(self, question: str):
        """Type a question, wait for its complete answer (the Sources block), return the message."""
        page = self.page
        before = page.locator("[data-testid=bot]").count()
        box = page.locator(QUESTION)
        expect(box).to_be_editable(timeout=ANSWER_TIMEOUT)  # disabled while the previous answer streams
        box.fill(question)
        box.press("Enter")
        message = page.locator("[data-testid=bot]").nth(before)
        message.wait_for(timeout=ANSWER_TIMEOUT)
        page.wait_for_function(
            "n => { const m = document.querySelectorAll('[data-testid=bot]')[n];"
            " return m && /Sources|Closest articles/.test(m.innerText) }",
            arg=before, timeout=ANSWER_TIMEOUT,
        )
        return message

    def tab(self, name: str) -> None:
        self.page.locator("button[role=tab]:visible", has_text=name).first.click()

    def close(self) -> None:
        self.context.close()


def test_chat_answers_with_sources_reader_follow_up_and_history(app_url, browser, shots):
    url, root = app_url
    w = Watched(browser, url)
    page = w.page
    try:
        assert "not medical advice" in page.locator(".disclaimer").inner_text()
        answer = w.ask("why cramps at night?")
        assert "[1]" in answer.inner_text()
        sources = answer.locator("a.source-open")
        assert sources.count() >= 1
        assert "leg cramps" in sources.first.inner_text().lower()
        assert answer.locator("mark").count() >= 1  # the cited sentence is highlighted
        assert "relevance" in answer.inner_text()

        # A source opens the whole article in the reader, the cited passage marked.
        sources.first.click()
        reader = page.locator("#reader")
        reader.locator("mark#cited").wait_for(timeout=60_000)
        assert "How to prevent night-time leg cramps" in reader.inner_text()
        assert page.url == url  # the link was handled in the app, not followed
        first_question = page.locator("[data-testid=user]").first
        first_question.scroll_into_view_if_needed()
        expect(first_question).to_be_in_viewport(timeout=30_000)
        screenshot(page, shots, "screenshot.png")

        # Like: saved to <store>/feedback.jsonl with the question and its sources.
        answer.hover()
        page.locator("button[aria-label=Like]").last.click()
        [record] = wait_until(lambda: read_feedback(root / "store"), timeout=60, what="the like in feedback.jsonl")
        assert record["rating"] == "like" and record["question"] == "why cramps at night?"
        assert record["sources"][0]["source"] == "leg-cramps-at-night.txt"

        # The follow-up uses the conversation.
        follow = w.ask("how can I make them stop quickly?")
        assert "The fastest ways to stop a leg cramp" in follow.inner_text()

        # Passages view: dense / keyword / fused scores of the last question.
        w.tab("Passages")
        passages = page.get_by_text("Searched as:")
        passages.wait_for(timeout=30_000)
        assert "leg-cramps-at-night.txt" in page.locator("#passages").inner_text()
        w.tab("Chat")

        # The conversation survives a reload (browser-side history).
        page.reload()
        page.get_by_text("why cramps at night?").first.click(timeout=60_000)
        page.locator("[data-testid=bot]").nth(1).wait_for(timeout=30_000)
        assert "The fastest ways to stop a leg cramp" in page.locator("[data-testid=bot]").nth(1).inner_text()
        assert not w.dialogs
        assert w.external_requests() == []
    finally:
        w.close()


def test_upload_an_article_and_ask_about_it(app_url, browser, tmp_path):
    url, root = app_url
    w = Watched(browser, url)
    page = w.page
    try:
        upload = tmp_path / "Chilblains (cold toes).md"
        upload.write_text(UPLOADED)
        refused = tmp_path / "notes.exe"
        refused.write_bytes(b"MZ\x00\x01")
        w.tab("Articles")
        page.locator("#upload-files input[type=file]").set_input_files([str(upload), str(refused)])
        page.wait_for_function(  # both files are uploaded to the app (the list shows them, no "Uploading...")
            "() => { const t = document.querySelector('#upload-files').innerText;"
            " return /notes\\s*\\.exe/.test(t) && /cold toes\\)\\s*\\.md/.test(t) && !/Uploading/.test(t) }",
            timeout=ANSWER_TIMEOUT,
        )
        page.locator("#upload-button").click()
        status = page.locator("#articles-status")
        page.wait_for_function(
            "() => /Sync:/.test(document.querySelector('#articles-status').innerText)", timeout=ANSWER_TIMEOUT
        )
        text = status.inner_text()
        assert "Chilblains-cold-toes.md" in text and "added" in text
        assert "unsupported file type" in text
        assert (root / "corpus" / "Chilblains-cold-toes.md").read_text() == UPLOADED
        page.get_by_placeholder("Filter by title").fill("chilblains")
        table = page.locator("#articles-table")
        expect(table).to_contain_text("Chilblains-cold-toes.md", timeout=30_000)
        expect(table).not_to_contain_text("nosebleeds.txt", timeout=30_000)  # filtered

        w.tab("Chat")
        answer = w.ask("what are chilblains?")
        assert "Chilblains" in answer.inner_text()
        assert "Chilblains-cold-toes.md" in answer.inner_text()
        assert not w.dialogs
        assert w.external_requests() == []
    finally:
        w.close()


def test_xss_article_renders_inert(app_url, browser):
    url, _ = app_url
    w = Watched(browser, url)
    page = w.page
    try:
        answer = w.ask("first aid for small kitchen burns <img src=x onerror=alert(2)>")
        assert "<img src=x onerror=alert(1)>" in answer.inner_text()  # shown as text
        assert "<img src=x onerror=alert(2)>" in page.locator("[data-testid=user]").last.inner_text()
        answer.locator("a.source-open", has_text="Kitchen burns").first.click()
        reader = page.locator("#reader")
        reader.locator("mark#cited").wait_for(timeout=60_000)
        reader_text = reader.inner_text()
        assert "<script>alert(1)</script>" in reader_text
        assert "${alert(1)}" in reader_text and "{{constructor}}" in reader_text  # no template evaluation
        w.tab("Articles")
        expect(page.locator("#articles-table")).to_contain_text("<script>alert(1)</script>", timeout=30_000)
        # The row is rendered (above): the DOM is checked as it stands. A dialog or a script could only come
        # from an element counted here, so no time needs to pass for the check to hold.
        injected = page.evaluate(
            "() => ({imgs: document.querySelectorAll('img[src=x], img[src=\"x\"]').length,"
            " handlers: document.querySelectorAll('[onerror]').length,"
            " scripts: Array.from(document.scripts).filter(s => /alert\\(/.test(s.textContent)"
            " && !s.textContent.startsWith('window.gradio_config')).length,"
            " jsLinks: document.querySelectorAll('a[href^=javascript]').length})"
        )
        assert injected == {"imgs": 0, "handlers": 0, "scripts": 0, "jsLinks": 0}
        assert w.dialogs == []
        assert w.external_requests() == []
    finally:
        w.close()


def test_example_question_runs_on_click(app_url, browser):
    url, _ = app_url
    w = Watched(browser, url)
    page = w.page
    try:
        page.get_by_text("How can I stop a nosebleed?").first.click()
        page.wait_for_function(
            "() => { const m = document.querySelector('[data-testid=bot]'); return m && /Sources/.test(m.innerText) }",
            timeout=ANSWER_TIMEOUT,
        )
        assert "nosebleeds.txt" in page.locator("[data-testid=bot]").first.inner_text()
    finally:
        w.close()


def _in_chat_view(page, locator) -> bool:
    """Whether the top of the element is inside the visible part of the chat (its scrolling box)."""
    return locator.evaluate(
        """el => { let box = el.parentElement;
          while (box && !/auto|scroll/.test(getComputedStyle(box).overflowY)) box = box.parentElement;
          const b = box.getBoundingClientRect(), top = el.getBoundingClientRect().top;
          return top >= b.top - 1 && top < b.bottom - 20 }"""
    )


def test_sources_are_labelled_lists_keep_their_lines_and_the_newest_answer_starts_in_view(app_url, browser, shots):
    url, _ = app_url
    w = Watched(browser, url)
    page = w.page
    try:
        first = w.ask("why cramps at night?")
        text = first.inner_text()
        assert "relevance 0.00" not in text and NOT_RANKED in text  # the added doctor line says what it is
        quote = first.locator("blockquote", has=page.locator("li")).first
        assert quote.locator("li").count() >= 2  # the quoted numbered list is a list, one item a line
        assert "\n" in quote.inner_text().strip()
        follow = w.ask("how can I make them stop quickly?")
        expect(page.locator(QUESTION)).to_be_editable(timeout=ANSWER_TIMEOUT)  # the answer has fully arrived
        assert follow.evaluate("el => el.scrollHeight") > 300  # taller than what the check below could hide
        assert _in_chat_view(page, page.locator("[data-testid=user]").last)  # the question ...
        assert _in_chat_view(page, follow)  # ... and the start of its answer
        clear = page.locator("button[aria-label=Clear]").bounding_box()
        for copy in page.locator("[data-testid=user]").last.locator("xpath=../..").locator(
                "button[aria-label='Copy message']").all():
            box = copy.bounding_box()
            assert box["x"] + box["width"] <= clear["x"], (box, clear)  # the copy icons keep clear of Clear's column
        screenshot(page, shots, "newest-answer.png")
        assert not w.dialogs and w.external_requests() == []
    finally:
        w.close()


def test_on_a_phone_the_reader_can_be_closed(app_url, browser, shots):
    url, _ = app_url
    w = Watched(browser, url, viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = w.page
    try:
        answer = w.ask("why cramps at night?")
        answer.locator("a.source-open").first.click()
        reader = page.locator("#reader")
        reader.locator("mark#cited").wait_for(timeout=60_000)
        expect(reader.locator("mark#cited")).to_be_in_viewport(timeout=30_000)
        close = page.locator("#reader-close")
        expect(close).to_be_in_viewport()  # at the top of the panel, however far the article is scrolled
        screenshot(page, shots, "phone-reader.png")
        close.click()
        expect(reader).not_to_be_in_viewport(timeout=30_000)
        expect(page.locator("#chatbot")).to_be_in_viewport()  # the chat is back
        screenshot(page, shots, "phone-reader-closed.png")
    finally:
        w.close()


def test_an_offered_article_is_one_click_from_its_answer_in_the_browser(app_url, browser, shots):
    url, _ = app_url
    w = Watched(browser, url)
    page = w.page
    try:
        refused = w.ask("How do I treat head lice?")
        assert "do not cover" in refused.inner_text()
        before = page.locator("[data-testid=bot]").count()
        refused.locator("a.ask-from").first.click()
        page.wait_for_function(
            "n => { const m = document.querySelectorAll('[data-testid=bot]')[n];"
            " return m && /Sources/.test(m.innerText) }",
            arg=before, timeout=ANSWER_TIMEOUT,
        )
        answered = page.locator("[data-testid=bot]").nth(before)
        assert "[1]" in answered.inner_text() and "do not cover" not in answered.inner_text()
        assert "from the article" in page.locator("[data-testid=user]").last.inner_text()
        screenshot(page, shots, "did-you-mean.png")
        assert not w.dialogs and w.external_requests() == []
    finally:
        w.close()
