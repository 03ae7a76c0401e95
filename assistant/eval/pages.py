"""How well an HTML reader keeps a saved page's article and drops its chrome, on the saved-page fixtures.

Each fixture in `tests/fixtures/pages/` marks what it holds with `data-expect` attributes: `body`
on the containers of the article, `junk` on boilerplate (also inside the body: a share bar, an
inline newsletter box), `title` on the element holding the title. The markers are read here and
removed before a reader sees the page, so they cannot help it.

Measured per candidate over all fixtures:
- body sentences lost: share of the article's sentences (split per block) not found in the output;
- boilerplate kept: share of the boilerplate's characters (its text pieces) found in the output
  (a piece that also occurs in the article is not counted either way);
- headings lost: share of the article's <h2>/<h3> headings that are not a heading (our readers) or a
  line (text-only candidates) of the output; title right: the title found as our readers give it.

`python -m assistant.eval.pages` prints the table for every candidate (readability-lxml and jusText
only if installed: they are compared, not used).
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from bs4 import BeautifulSoup, NavigableString, Tag

from ..text import one_line

FIXTURES = Path(__file__).resolve().parents[2] / "tests" / "fixtures" / "pages"
HELD_OUT = FIXTURES.parent / "pages-heldout"
"""Pages written after the reader's rules were fixed, measured once without changing them."""
_MARKER = re.compile(r'\sdata-expect="[a-z]+"')
_BLOCKS = {"p", "li", "td", "th", "dd", "dt", "blockquote", "figcaption", "pre", "div", "summary", "b"}
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9])")


@dataclass
class Expected:
    name: str
    html: str
    """The page with the markers removed: what a reader gets."""
    title: str
    headings: list[str]
    sentences: list[str]
    junk: list[str]
    """Text pieces of the boilerplate."""


@dataclass
class Output:
    text: str
    title: str | None = None
    headings: list[str] | None = None
    """Section headings (last part of `a › b`), None for text-only candidates."""


@dataclass
class Score:
    sentences: int = 0
    sentences_lost: int = 0
    junk_chars: int = 0
    junk_kept_chars: int = 0
    headings: int = 0
    headings_lost: int = 0
    titles: int = 0
    titles_right: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def body_lost(self) -> float:
        return self.sentences_lost / max(self.sentences, 1)

    @property
    def junk_kept(self) -> float:
        return self.junk_kept_chars / max(self.junk_chars, 1)

    @property
    def heading_lost(self) -> float:
        return self.headings_lost / max(self.headings, 1)

    def add(self, other: Score) -> None:
        for name in (
            "sentences",
            "sentences_lost",
            "junk_chars",
            "junk_kept_chars",
            "headings",
            "headings_lost",
            "titles",
            "titles_right",
        ):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.problems += other.problems


def norm(text: str) -> str:
    return one_line(text.replace("\u00a0", " "))


def load(path: Path) -> Expected:
    raw = path.read_text(encoding="utf-8")
    soup = BeautifulSoup(raw, "lxml")
    title_el = soup.find(attrs={"data-expect": "title"})
    title = norm(title_el.get_text(" ")) if title_el else ""
    junk_els = soup.find_all(attrs={"data-expect": "junk"})
    junk = [norm(s) for el in junk_els for s in el.stripped_strings if re.search(r"\w", s)]  # not a lone "|"
    for el in junk_els:
        el.decompose()  # the rest is read without them (junk may sit inside a body container)
    if title_el is not None and title_el.parent is not None:
        title_el.decompose()
    headings, sentences = [], []
    for body in soup.find_all(attrs={"data-expect": "body"}):
        for h in body.find_all(["h2", "h3", "h4"]):
            headings.append(norm(h.get_text(" ")))
            h.decompose()
        for br in body.find_all("br"):
            br.replace_with("\n")
        blocks: dict[int, list[str]] = {}
        order: list[int] = []
        for s in body.find_all(string=True):
            if not isinstance(s, NavigableString):
                continue
            block = next((p for p in s.parents if isinstance(p, Tag) and p.name in _BLOCKS), body)
            if id(block) not in blocks:
                blocks[id(block)] = []
                order.append(id(block))
            blocks[id(block)].append(str(s))
        for key in order:
            for line in "".join(blocks[key]).split("\n"):  # <br> breaks
                sentences += [x for x in (norm(p) for p in _SENTENCE_END.split(norm(line))) if x]
    return Expected(path.stem, _MARKER.sub("", raw), title, headings, sentences, junk)


def fixtures(folder: Path = FIXTURES) -> list[Expected]:
    return [load(p) for p in sorted(folder.glob("*.html"))]


def score(exp: Expected, out: Output) -> Score:
    s = Score()
    text = norm(out.text)
    body_text = " ".join(exp.sentences + exp.headings + [exp.title])
    for sentence in exp.sentences:
        s.sentences += 1
        if sentence not in text:
            s.sentences_lost += 1
            s.problems.append(f"{exp.name}: lost {sentence[:60]!r}")
    for piece in exp.junk:
        s.junk_chars += len(piece)
        if _word_in(piece, body_text):
            continue  # cannot be told apart from the article
        if _word_in(piece, text):
            s.junk_kept_chars += len(piece)
            s.problems.append(f"{exp.name}: kept {piece[:60]!r}")
    lines = {norm(ln).lstrip("#-* ").strip() for ln in out.text.split("\n")}
    got = set(out.headings) if out.headings is not None else lines
    for h in exp.headings:
        s.headings += 1
        if h not in got:
            s.headings_lost += 1
            s.problems.append(f"{exp.name}: heading lost {h!r}")
    if out.title is not None:
        s.titles += 1
        s.titles_right += out.title == exp.title
        if out.title != exp.title:
            s.problems.append(f"{exp.name}: title {out.title!r}, expected {exp.title!r}")
    return s


def _word_in(piece: str, text: str) -> bool:
    return re.search(rf"(?<!\w){re.escape(piece)}(?!\w)", text) is not None


# --- candidates --------------------------------------------------------------------------


def _ours(html: str, main_content: bool) -> Output:
    from ..ingest.html_reader import parse_html

    title, _url, sections = parse_html(html, main_content=main_content)
    text = "\n\n".join([title, *(p for s in sections for p in (s.heading, s.text) if p)])
    return Output(text, title, [h for s in sections for h in s.heading.split(" › ") if h])


def _trafilatura(html: str, **options) -> Output:
    import trafilatura

    return Output(trafilatura.extract(html, include_comments=False, include_tables=True, **options) or "")


def _readability(html: str) -> Output:
    from readability import Document

    doc = Document(html)
    return Output(BeautifulSoup(doc.summary(), "lxml").get_text("\n"))


def _justext(html: str) -> Output:
    import justext

    paragraphs = justext.justext(html.encode(), justext.get_stoplist("English"))
    return Output("\n".join(p.text for p in paragraphs if not p.is_boilerplate))


CANDIDATES: dict[str, Callable[[str], Output]] = {
    "rules alone (this branch, no trafilatura)": lambda h: _ours(h, main_content=False),
    "trafilatura 2.3.1 (txt)": _trafilatura,
    "trafilatura favor_precision": lambda h: _trafilatura(h, favor_precision=True),
    "trafilatura favor_recall": lambda h: _trafilatura(h, favor_recall=True),
    "readability-lxml 0.9": _readability,
    "jusText 3.0.2": _justext,
    "ours: trafilatura selection + our sections": lambda h: _ours(h, main_content=True),
}


def evaluate(candidate: Callable[[str], Output], pages: list[Expected]) -> Score:
    total = Score()
    for page in pages:
        total.add(score(page, candidate(page.html)))
    return total


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("folders", nargs="*", type=Path, default=[FIXTURES, HELD_OUT], help="folders of marked pages")
    parser.add_argument("-v", "--verbose", action="store_true", help="list every lost sentence and kept piece")
    args = parser.parse_args(argv)
    for folder in args.folders:
        _table(folder, fixtures(folder), args.verbose)
    return 0


def _table(folder: Path, pages: list[Expected], verbose: bool) -> None:
    n_sent = sum(len(p.sentences) for p in pages)
    n_junk = sum(len(x) for p in pages for x in p.junk)
    print(
        f"\n{folder.name}: {len(pages)} saved pages, {n_sent} body sentences, "
        f"{sum(len(p.headings) for p in pages)} headings, {n_junk} boilerplate characters"
    )
    print(f"{'candidate':46} {'body lost':>9} {'junk kept':>9} {'headings lost':>13} {'titles':>7}")
    for name, fn in CANDIDATES.items():
        try:
            s = evaluate(fn, pages)
        except ImportError as exc:
            print(f"{name:46} not installed ({exc.name})")
            continue
        titles = f"{s.titles_right}/{s.titles}" if s.titles else "-"
        print(f"{name:46} {s.body_lost:9.1%} {s.junk_kept:9.1%} {s.heading_lost:13.1%} {titles:>7}")
        if verbose:
            for problem in s.problems:
                print(f"    {problem}")


if __name__ == "__main__":
    raise SystemExit(main())
