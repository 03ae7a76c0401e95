"""Real PDF files for the tests and benchmarks: HTML printed by Chromium, and odd ones written with fpdf2.

Chromium is the one the browser test drives (/usr/bin/chromium through Playwright); fpdf2 is a
dev-only dependency (requirements-dev.txt) used for what a browser cannot print: an image-only
(scanned) page and encrypted files.
"""

from __future__ import annotations

import html
import io
from collections.abc import Mapping
from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]

RUNNING_HEADER = '<div style="font-size:8px;width:100%;text-align:center">Sample Health Library · printed copy</div>'
RUNNING_FOOTER = (
    '<div style="font-size:8px;width:100%;text-align:center">'
    'Page <span class="pageNumber"></span> of <span class="totalPages"></span></div>'
)


def print_pdfs(pages: Mapping[str, str], out_dir: Path, *, running: bool = True) -> dict[str, Path]:
    """Print each HTML document (name -> HTML) to `out_dir/name` with one Chromium; with a running
    header and a "Page n of m" footer on every page when `running`."""
    from playwright.sync_api import sync_playwright

    out_dir.mkdir(parents=True, exist_ok=True)
    made: dict[str, Path] = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            for name, doc in pages.items():
                page.set_content(doc, wait_until="load")
                path = out_dir / name
                page.pdf(
                    path=str(path),
                    format="A4",
                    print_background=False,
                    display_header_footer=running,
                    header_template=RUNNING_HEADER if running else "<span></span>",
                    footer_template=RUNNING_FOOTER if running else "<span></span>",
                    margin={"top": "20mm", "bottom": "20mm", "left": "15mm", "right": "15mm"},
                )
                made[name] = path
        finally:
            browser.close()
    return made


def long_html(n_sections: int, paragraphs: list[str], title: str = "A long guide to everyday health") -> str:
    """An HTML document of `n_sections` h2 sections of three paragraphs each (about one A4 page per section)."""
    body = [f"<h1>{html.escape(title)}</h1>"]
    for i in range(n_sections):
        body.append(f"<h2>Part {i + 1}: {html.escape(paragraphs[i % len(paragraphs)].split('.')[0][:50])}</h2>")
        for j in range(3):
            body.append(f"<p>Note {i}.{j}: {html.escape(paragraphs[(i * 3 + j) % len(paragraphs)])}</p>")
    return f"<html><head><title>{html.escape(title)}</title></head><body>{''.join(body)}</body></html>"


def two_column_html(left: list[str], right: list[str], title: str) -> str:
    """A page in two CSS columns: `left` paragraphs fill the first column, `right` the second."""
    col = "<div style='width:48%;float:{side}'>{ps}</div>"
    ps_l = "".join(f"<p>{html.escape(p)}</p>" for p in left)
    ps_r = "".join(f"<p>{html.escape(p)}</p>" for p in right)
    return (
        f"<html><head><title>{html.escape(title)}</title></head><body><h1>{html.escape(title)}</h1>"
        f"{col.format(side='left', ps=ps_l)}{col.format(side='right', ps=ps_r)}</body></html>"
    )


def _fpdf():
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_font("helvetica", size=12)
    return pdf


def text_pdf_bytes(lines: list[str], *, user_password: str | None = None, owner_password: str | None = None) -> bytes:
    """A one-page PDF with a text layer, optionally encrypted (RC4, so no crypto library is needed)."""
    pdf = _fpdf()
    pdf.set_title("Encrypted leaflet")
    if owner_password is not None or user_password is not None:
        from fpdf.enums import AccessPermission, EncryptionMethod

        pdf.set_encryption(
            owner_password=owner_password or user_password or "",
            user_password=user_password or "",
            encryption_method=EncryptionMethod.RC4,
            permissions=AccessPermission.PRINT_LOW_RES,
        )
    pdf.add_page()
    pdf.set_font("helvetica", "B", 20)
    pdf.cell(0, 12, lines[0], new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("helvetica", size=11)
    for line in lines[1:]:
        pdf.multi_cell(0, 6, line, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(3)
    return bytes(pdf.output())


def image_only_pdf_bytes(pages: int = 2) -> bytes:
    """A 'scanned' PDF: every page is a picture (of grey stripes), no text layer at all."""
    import zlib

    width, height = 120, 160
    rows = b"".join(b"\x00" + bytes((x * 7 + y * 3) % 256 for x in range(width)) for y in range(height))
    png = _png(width, height, zlib.compress(rows))
    pdf = _fpdf()
    for _ in range(pages):
        pdf.add_page()
        pdf.image(io.BytesIO(png), x=10, y=10, w=190)
    return bytes(pdf.output())


def _png(width: int, height: int, idat: bytes) -> bytes:
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)  # 8-bit greyscale
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def row_by_row_columns_pdf_bytes(left: list[str], right: list[str], title: str) -> bytes:
    """A two-column page written the way some generators do: each left line, then the right line
    beside it on the same baseline (content order across the columns, not down them)."""
    pdf = _fpdf()
    pdf.add_page()
    pdf.set_font("helvetica", "B", 18)
    pdf.cell(0, 12, title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("helvetica", size=10)

    def wrap(paragraphs: list[str]) -> list[str]:
        lines: list[str] = []
        for para in paragraphs:
            words, line = para.split(), ""
            for w in words:
                if pdf.get_string_width(f"{line} {w}") > 80 and line:
                    lines.append(line)
                    line = w
                else:
                    line = f"{line} {w}".strip()
            lines += [line, ""]
        return lines

    rows_l, rows_r = wrap(left), wrap(right)
    for i in range(max(len(rows_l), len(rows_r))):
        y = pdf.get_y()
        pdf.set_xy(10, y)
        pdf.cell(85, 5, rows_l[i] if i < len(rows_l) else "")
        pdf.set_xy(110, y)
        pdf.cell(85, 5, rows_r[i] if i < len(rows_r) else "", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
