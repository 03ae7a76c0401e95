"""The command line: `python ingest.py` and `python -m assistant`, run as a user would."""

import shutil
import subprocess
import sys

import pytest

from .helpers_data import CORPUS, REPO


def run(*args, cwd=REPO, env_extra=None):
    import os

    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")}
    env.update(env_extra or {})
    return subprocess.run([sys.executable, *args], cwd=cwd, capture_output=True, text=True, timeout=300, env=env)


@pytest.fixture(scope="module")
def cli_store(tmp_path_factory):
    root = tmp_path_factory.mktemp("cli")
    corpus = root / "corpus"
    corpus.mkdir()
    for name in ("leg-cramps-at-night.txt", "sunburn.txt", "heartburn-acid-reflux.md"):
        shutil.copy(CORPUS / name, corpus / name)
    (corpus / "broken.txt").write_bytes(b"\x00\x01\x02binary\x00")
    store = root / "store"
    result = run(str(REPO / "ingest.py"), str(corpus), "--store", str(store))
    return corpus, store, result


def test_ingest_prints_a_summary_and_lists_skipped_files(cli_store):
    corpus, store, result = cli_store
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "3 added, 0 updated, 0 removed, 0 unchanged" in out
    assert "broken.txt" in out and "binary" in out
    assert "Time:" in out


def test_ingest_list_and_unchanged_resync(cli_store):
    corpus, store, _ = cli_store
    again = run(str(REPO / "ingest.py"), str(corpus), "--store", str(store))
    assert again.returncode == 0
    assert "0 added, 0 updated, 0 removed, 3 unchanged" in again.stdout
    listed = run(str(REPO / "ingest.py"), "--list", "--store", str(store))
    assert listed.returncode == 0
    assert "leg-cramps-at-night.txt" in listed.stdout and "3 articles" in listed.stdout


def test_ask_from_the_command_line(cli_store):
    _, store, _ = cli_store
    result = run("-m", "assistant", "why cramps at night?", "--store", str(store))
    assert result.returncode == 0, result.stderr
    assert "[1]" in result.stdout
    assert "Sources:" in result.stdout and "leg-cramps-at-night.txt" in result.stdout


def test_missing_folder_fails_with_one_line(tmp_path):
    result = run(str(REPO / "ingest.py"), str(tmp_path / "missing"), "--store", str(tmp_path / "s"))
    assert result.returncode != 0
    assert result.stderr.strip().splitlines()[-1].startswith("error: folder not found")

