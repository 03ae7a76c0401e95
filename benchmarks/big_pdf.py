"""Peak memory and time of ingesting one PDF at the file size limit (ASSISTANT_MAX_FILE_MB).

    python benchmarks/big_pdf.py [--mb 49.9] [--fake] [--stop-after SECONDS] [--images]

Prints a 300-page text PDF with Chromium (the shipped corpus' paragraphs under headings, a running
header and page footer), then copies its pages (pypdfium2 `import_pages`) into one PDF until it is
about --mb megabytes, and runs the real `python ingest.py FOLDER --store S -v` on it in a
subprocess, like benchmarks/big_file.py: peak RSS of the child, seconds, chunks, pages/s of the
parse. A text-only PDF is the worst case (tens of thousands of pages of text for 50 MB);
--images pads each copy of the 300 pages with a large picture instead, as real big PDFs are.
--fake uses the deterministic test embedder (everything but the model). The limit: <= 2 GB.
"""

from __future__ import annotations

import argparse
import io
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from benchmarks.pdf_libraries import make_pdfs  # noqa: E402


def write_big_pdf(folder: Path, megabytes: float, images: bool) -> tuple[Path, int]:
    import pypdfium2 as pdfium

    seed, _ = make_pdfs(folder / "seed", 300)
    target = int(megabytes * 2**20)
    if images:  # one incompressible picture per copy: ~90% of the bytes are pictures
        seed = _with_picture(seed, folder / "seed" / "pictured.pdf", 2_000_000)
    per_copy = seed.stat().st_size
    copies = max(1, target // per_copy)
    src = pdfium.PdfDocument(str(seed))
    out = pdfium.PdfDocument.new()
    for _ in range(copies):
        out.import_pages(src)
    path = folder / "articles" / "big.pdf"
    path.parent.mkdir(parents=True)
    out.save(str(path))
    pages = len(out)
    out.close()
    src.close()
    while path.stat().st_size > target:  # font subsets are shared between copies: trim to the limit
        doc = pdfium.PdfDocument(str(path))
        keep = int(len(doc) * target / path.stat().st_size * 0.98)
        trimmed = pdfium.PdfDocument.new()
        trimmed.import_pages(doc, list(range(keep)))
        doc.close()
        trimmed.save(str(path))
        pages = len(trimmed)
        trimmed.close()
    return path, pages


def _with_picture(seed: Path, dest: Path, nbytes: int) -> Path:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    side = int((nbytes / 3) ** 0.5)
    pdf.image(io.BytesIO(_noise_png(side)), x=10, y=10, w=190)
    picture = dest.with_name("picture.pdf")
    picture.write_bytes(bytes(pdf.output()))
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(str(seed))
    doc.import_pages(pdfium.PdfDocument(str(picture)))
    doc.save(str(dest))
    return dest


def _noise_png(side: int) -> bytes:
    import struct
    import zlib

    raw = b"".join(b"\x00" + os.urandom(side * 3) for _ in range(side))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", side, side, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(raw, 1)) + chunk(b"IEND", b"")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mb", type=float, default=49.9, help="size of the file (default: just under the 50 MB limit)")
    ap.add_argument("--fake", action="store_true", help="the deterministic test embedder instead of the model")
    ap.add_argument("--images", action="store_true", help="pad with pictures (a typical big PDF) instead of text")
    ap.add_argument("--stop-after", type=float, default=0, help="kill the ingest after this many seconds")
    a = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="big-pdf-"))
    try:
        path, pages = write_big_pdf(work, a.mb, a.images)
        size = path.stat().st_size
        print(f"file: {size / 2**20:.1f} MB, {pages:,} pages{' (with pictures)' if a.images else ' of text'}")
        from assistant.ingest.pdf_reader import parse_pdf

        start = time.perf_counter()
        parsed = parse_pdf(path.read_bytes())
        parse_s = time.perf_counter() - start
        chars = sum(len(s.text) for s in parsed.sections)
        print(
            f"parse alone (this process): {parse_s:.0f} s = {pages / parse_s:.0f} pages/s, "
            f"{chars / 2**20:.0f} M characters in {len(parsed.sections):,} sections"
        )
        del parsed
        self_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"peak RSS of this process after the parse (file bytes + parse): {self_mb:,.0f} MB")
        cmd = [sys.executable, "-m", "tests.helpers_crash", "--"] if a.fake else [sys.executable, "ingest.py"]
        cmd += [str(path.parent), "--store", str(work / "store"), "-v"]
        env = {**os.environ, "PYTHONPATH": str(REPO)}
        start = time.perf_counter()
        try:
            proc = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=a.stop_after or None)
        except subprocess.TimeoutExpired as exc:
            out = exc.stdout.decode() if isinstance(exc.stdout, bytes) else (exc.stdout or "")
            err = exc.stderr.decode() if isinstance(exc.stderr, bytes) else (exc.stderr or "")
            proc = subprocess.CompletedProcess(cmd, -9, out, err)
            print(f"stopped after {a.stop_after:.0f} s, as asked")
        seconds = time.perf_counter() - start
        peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # the largest child: the ingest
        # (Chromium, which printed the seed PDF, is a child too: it stays far below the ingest)
        chunks = re.search(r"Chunks embedded: (\d+)", proc.stdout)
        print(
            f"ingest ({'fake embedder' if a.fake else 'packaged model'}): exit {proc.returncode}, "
            f"chunks {chunks.group(1) if chunks else '?'}, {seconds:.0f} s, peak RSS {peak_mb:,.0f} MB "
            f"({'within' if peak_mb <= 2048 else 'OVER'} the 2 GB limit)"
        )
        if proc.returncode and proc.returncode != -9:
            print(proc.stderr[-2000:], file=sys.stderr)
        return 0 if proc.returncode in (0, -9) else proc.returncode
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
