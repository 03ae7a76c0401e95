"""Peak memory and time of ingesting one big .txt file (ASSISTANT_MAX_FILE_MB, issue 14).

    python benchmarks/big_file.py [--mb 49.9] [--fake]

Writes one .txt article of about --mb megabytes (paragraphs of the shipped corpus, numbered so no
two chunks are the same) into a temporary folder and runs the real `python ingest.py FOLDER
--store S -v` on it in a subprocess; prints its peak RSS (getrusage of the child), seconds, chunks
and the progress lines. --fake runs the same command line with the deterministic test embedder
(tests/helpers_crash.py), which measures everything but the model (read, parse, chunk, Chroma,
manifest, keyword index) in minutes; without it the packaged model embeds every chunk (about
85,000 chunks for 50 MB: most of an hour on 2 cores). The limit to meet: <= 2 GB.
"""

from __future__ import annotations

import argparse
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


def write_big_article(path: Path, megabytes: float) -> int:
    paragraphs = []
    for f in sorted((REPO / "corpus").glob("*.txt")):
        paragraphs += [p.strip() for p in f.read_text(encoding="utf-8").split("\n\n") if len(p.strip()) > 200]
    target = int(megabytes * 2**20)
    with open(path, "w", encoding="utf-8") as out:
        out.write("A very long article\n\nA very long article\n\n")
        i = 0
        while out.tell() < target:
            if i % 40 == 0:
                out.write(f"Part {i // 40}\n\n")
            out.write(f"Note {i}: {paragraphs[i % len(paragraphs)]}\n\n")
            i += 1
    return path.stat().st_size


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mb", type=float, default=49.9, help="size of the file (default: just under the 50 MB limit)")
    ap.add_argument("--fake", action="store_true", help="the deterministic test embedder instead of the model")
    ap.add_argument("--stop-after", type=float, default=0,
                    help="kill the ingest after this many seconds (peak RSS so far: reading, chunking, first slices)")
    a = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="big-file-"))
    try:
        folder = work / "articles"
        folder.mkdir()
        size = write_big_article(folder / "big.txt", a.mb)
        cmd = ([sys.executable, "-m", "tests.helpers_crash", "--"] if a.fake else [sys.executable, "ingest.py"])
        cmd += [str(folder), "--store", str(work / "store"), "-v"]
        env = {**os.environ, "PYTHONPATH": str(REPO)}
        start = time.perf_counter()
        try:
            proc = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True,
                                  timeout=a.stop_after or None)
        except subprocess.TimeoutExpired as exc:  # run() killed and reaped it: its peak RSS is counted
            out = exc.stdout.decode() if isinstance(exc.stdout, bytes) else (exc.stdout or "")
            err = exc.stderr.decode() if isinstance(exc.stderr, bytes) else (exc.stderr or "")
            proc = subprocess.CompletedProcess(cmd, -9, out, err)
            print(f"stopped after {a.stop_after:.0f} s, as asked")
        seconds = time.perf_counter() - start
        peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        progress = [ln for ln in proc.stderr.splitlines() if re.search(r"embedded \d+ of|embedding \d+ chunks", ln)]
        chunks = re.search(r"Chunks embedded: (\d+)", proc.stdout)
        print(f"file: {size / 2**20:.1f} MB; embedder: {'fake (test)' if a.fake else 'packaged model'}; exit {proc.returncode}")
        print(f"chunks: {chunks.group(1) if chunks else '?'}; seconds: {seconds:.0f}; peak RSS: {peak_mb:,.0f} MB "
              f"({'within' if peak_mb <= 2048 else 'OVER'} the 2 GB limit)")
        print(f"progress lines: {len(progress)} (first: {progress[0].split(': ', 1)[-1] if progress else '-'}; "
              f"last: {progress[-1].split(': ', 1)[-1] if progress else '-'})")
        if proc.returncode:
            print(proc.stderr[-2000:], file=sys.stderr)
        return proc.returncode
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
