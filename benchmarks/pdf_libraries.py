"""Why assistant/ingest/pdf_reader.py reads PDFs with pypdfium2: the candidates measured on the same files.

    python benchmarks/pdf_libraries.py [--pages 300]

Prints (with Debian's Chromium, through Playwright) a --pages long PDF of the shipped corpus'
paragraphs under h1/h2 headings with a running header and a "Page n of m" footer, and a two-column
page, then measures for each library: pages/s of plain text extraction, pages/s when the font size
and weight of every piece of text are read too (what headings need), whether the two columns come
out column by column, and how many of the document's headings are recognisable from the font data.
Last, the project's own reader (parse_pdf: pages, structure, headers dropped) on the same file.
pypdf and pdfplumber are only needed here (requirements-dev.txt).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.helpers_pdf import long_html, print_pdfs, two_column_html  # noqa: E402

LEFT = ["Alpha starts the left column.", "Bravo is still in the left column.", "Charlie ends the left column."]
RIGHT = ["Delta starts the right column.", "Echo is in the right column.", "Foxtrot ends the right column."]


def paragraphs() -> list[str]:
    out = []
    for f in sorted((REPO / "corpus").glob("*.txt")):
        out += [
            p.strip().replace("\n", " ") for p in f.read_text(encoding="utf-8").split("\n\n") if len(p.strip()) > 200
        ]
    return out


def make_pdfs(folder: Path, pages: int) -> tuple[Path, Path]:
    """The long PDF (sections added until it has `pages` pages) and the two-column one."""
    import pypdfium2 as pdfium

    sections = pages * 3
    while True:
        made = print_pdfs(
            {"long.pdf": long_html(sections, paragraphs()), "columns.pdf": two_column_html(LEFT, RIGHT, "Columns")},
            folder,
        )
        doc = pdfium.PdfDocument(str(made["long.pdf"]))
        n = len(doc)
        doc.close()
        if n >= pages:
            return made["long.pdf"], made["columns.pdf"]
        sections = int(sections * pages / n) + 3


# --- each library: plain text, text with font data -------------------------------------------


def pdfium_text(path: Path) -> list[str]:
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(str(path))
    out = []
    for page in doc:
        tp = page.get_textpage()
        out.append(tp.get_text_bounded())
        tp.close()
        page.close()
    return out


def pdfium_fonts(path: Path) -> list[tuple[str, float, bool]]:
    import pypdfium2 as pdfium
    import pypdfium2.raw as raw

    doc = pdfium.PdfDocument(str(path))
    out = []
    for page in doc:
        tp = page.get_textpage()
        for obj in page.get_objects(filter=[raw.FPDF_PAGEOBJ_TEXT], textpage=tp):
            font = obj.get_font()
            a, b, c, d, _, _ = obj.get_matrix().get()
            size = obj.get_font_size() * abs(a * d - b * c) ** 0.5
            out.append((obj.extract(), size, "bold" in font.get_base_name().lower() or font.get_weight() >= 600))
            obj.get_bounds()
        tp.close()
        page.close()
    return out


def pypdf_text(path: Path) -> list[str]:
    import pypdf

    return [p.extract_text() for p in pypdf.PdfReader(str(path)).pages]


def pypdf_fonts(path: Path) -> list[tuple[str, float, bool]]:
    import pypdf

    out: list[tuple[str, float, bool]] = []
    for p in pypdf.PdfReader(str(path)).pages:

        def visit(text, cm, tm, font, size):
            name = str((font or {}).get("/BaseFont", "")).lower()
            out.append((text, size * abs(tm[0] * cm[0]) if tm and cm else size, "bold" in name))

        p.extract_text(visitor_text=visit)
    return out


def plumber_text(path: Path) -> list[str]:
    import pdfplumber

    out = []
    with pdfplumber.open(str(path)) as pdf:
        for p in pdf.pages:
            out.append(p.extract_text())
            p.close()
    return out


def plumber_fonts(path: Path) -> list[tuple[str, float, bool]]:
    import pdfplumber

    out = []
    with pdfplumber.open(str(path)) as pdf:
        for p in pdf.pages:
            for w in p.extract_words(extra_attrs=["fontname", "size"]):
                out.append((w["text"], w["size"], "bold" in w["fontname"].lower()))
            p.close()
    return out


LIBRARIES = {
    "pypdfium2 5.15.2": (pdfium_text, pdfium_fonts),
    "pypdf 7.1.0": (pypdf_text, pypdf_fonts),
    "pdfplumber 0.11.10 (pdfminer.six)": (plumber_text, plumber_fonts),
}


def timed(fn, *args):
    start = time.perf_counter()
    result = fn(*args)
    return result, time.perf_counter() - start


def columns_in_order(text: str) -> bool:
    flat = " ".join(text.split())
    at = [flat.find(p) for p in LEFT + RIGHT]
    return all(i >= 0 for i in at) and at == sorted(at)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pages", type=int, default=300)
    a = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="pdf-libs-") as tmp:
        long_pdf, columns = make_pdfs(Path(tmp), a.pages)
        import pypdfium2 as pdfium

        doc = pdfium.PdfDocument(str(long_pdf))
        pages = len(doc)
        doc.close()
        print(f"{long_pdf.stat().st_size / 2**20:.2f} MB, {pages} pages (Chromium), plus a two-column page\n")
        print(f"{'library':36} {'text p/s':>9} {'+font p/s':>10} {'columns':>8} {'headings seen':>14}")
        for name, (text_fn, font_fn) in LIBRARIES.items():
            try:
                _, t_text = timed(text_fn, long_pdf)
                runs, t_font = timed(font_fn, long_pdf)
            except ImportError as exc:
                print(f"{name:36} not installed ({exc.name}): pip install -r requirements-dev.txt")
                continue
            body = max({round(s) for _, s, _ in runs}, key=lambda s: sum(len(t) for t, z, _ in runs if round(z) == s))
            heads = sum(1 for t, s, _ in runs if s > body * 1.12 and t.strip().startswith("Part"))
            order = columns_in_order("\n".join(text_fn(columns)))
            print(f"{name:36} {pages / t_text:9.0f} {pages / t_font:10.0f} {'yes' if order else 'NO':>8} {heads:>14}")
        from assistant.ingest.pdf_reader import parse_pdf

        data = long_pdf.read_bytes()
        doc_, t = timed(parse_pdf, data)
        print(
            f"\nassistant.ingest.pdf_reader.parse_pdf (pypdfium2, whole structure): {pages / t:.0f} pages/s, "
            f"{len(doc_.sections)} sections, title {doc_.title!r}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
