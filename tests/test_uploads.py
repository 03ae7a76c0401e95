"""Saving uploaded articles into the corpus folder: only plain names, only inside the folder."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from assistant.errors import CorpusError
from assistant.web.uploads import UploadError, safe_name, save_uploads

from .helpers_audit import outside, recorded_writes

ARTICLE = b"Hay fever at the office\n\nWhy it happens\n\nPollen drifts in through open windows and air vents.\n"
MB = 1_000_000


def listing(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


@pytest.fixture
def corpus(tmp_path) -> Path:
    d = tmp_path / "corpus"
    d.mkdir()
    (d / "existing.txt").write_bytes(b"Existing article\n\nBody\n\nSome text about sleep and naps.\n")
    return d


def test_a_new_article_is_saved(corpus):
    with recorded_writes() as written:
        [r] = save_uploads([("office-hay-fever.txt", ARTICLE)], corpus, MB)
    assert (r.status, r.saved_as) == ("added", "office-hay-fever.txt")
    assert (corpus / "office-hay-fever.txt").read_bytes() == ARTICLE
    assert corpus / "office-hay-fever.txt" in written and outside(written, corpus) == []


def test_uploaded_temp_file_paths_keep_their_name(corpus, tmp_path):
    src = tmp_path / "upload-dir" / "Notes on Hay Fever (v2).md"
    src.parent.mkdir()
    src.write_bytes(b"# Notes\n\nPollen counts peak in the morning on dry windy days.\n")
    with recorded_writes() as written:
        [r] = save_uploads([str(src)], corpus, MB)
    assert outside(written, corpus) == []  # the uploaded temp file is read, never moved or changed
    assert r.status == "added"
    assert r.saved_as == "Notes-on-Hay-Fever-v2.md"
    assert "saved as Notes-on-Hay-Fever-v2.md" in r.reason
    assert (corpus / r.saved_as).read_bytes() == src.read_bytes()


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("../../etc/passwd", "outside the corpus folder"),
        ("../escape.txt", "outside the corpus folder"),
        ("/etc/passwd.txt", "absolute path"),
        ("/tmp/evil.md", "absolute path"),
        ("C:\\Windows\\evil.txt", "absolute path"),
        ("~/.bashrc.txt", "absolute path"),
        ("sub/dir.txt", "slashes"),
        ("sub\\dir.txt", "slashes"),
        ("evil\x00.txt", "control characters"),
        ("line\nbreak.txt", "control characters"),
        ("script.py", "unsupported file type '.py'"),
        ("archive.txt.exe", "unsupported file type '.exe'"),
        ("noextension", "unsupported file type '(none)'"),
        ("", "no name"),
        ("...txt", "unsupported"),
        ("---.md", "no usable characters"),
    ],
)
def test_bad_names_are_refused_and_nothing_is_written(corpus, tmp_path, monkeypatch, name, reason):
    deep = corpus / "a" / "b"  # run from inside the corpus: a name resolved against the working folder stays in view
    deep.mkdir(parents=True)
    monkeypatch.chdir(deep)
    before = listing(tmp_path)
    with recorded_writes() as written:
        [r] = save_uploads([(name, ARTICLE)], corpus, MB)
    assert r.status == "refused" and not r.ok
    assert reason in r.reason
    assert r.saved_as is None
    assert written == []  # no file created, written, renamed or deleted anywhere on the machine
    assert listing(tmp_path) == before


def test_names_are_sanitised():
    assert safe_name("My notes: day 1 (final).TXT") == "My-notes-day-1-final.txt"
    assert safe_name(".hidden.md") == "hidden.md"  # hidden files are never ingested: make it visible
    assert safe_name("CON.txt") == "CON-article.txt"
    assert safe_name("ｆｕｌｌ／width.md") == "full-width.md"  # NFKC turns the full-width slash into '/'
    assert len(safe_name("x" * 500 + ".md")) <= 120
    with pytest.raises(UploadError):
        safe_name("a/../b.md")


def test_oversize_is_refused_before_reading(corpus, tmp_path):
    big = tmp_path / "big.txt"
    big.write_bytes(b"a " * 600_000)
    [r] = save_uploads([big], corpus, MB)
    assert r.status == "refused"
    assert "1.2 MB" in r.reason and "limit is 1.0 MB" in r.reason
    assert not (corpus / "big.txt").exists()


def test_unreadable_content_is_refused(corpus):
    results = save_uploads([("binary.txt", b"\x00\x01\x02" * 100), ("empty.md", b""), ("blank.txt", b"  \n\n ")], corpus, MB)
    assert [r.status for r in results] == ["refused"] * 3
    assert "binary" in results[0].reason
    assert "empty" in results[1].reason
    assert "empty" in results[2].reason
    assert listing(corpus) == {"existing.txt": (corpus / "existing.txt").read_bytes()}


def test_duplicates(corpus):
    existing = (corpus / "existing.txt").read_bytes()
    same = save_uploads([("existing.txt", existing)], corpus, MB)[0]
    assert same.status == "unchanged" and same.ok
    copy = save_uploads([("copy-of-existing.txt", existing)], corpus, MB)[0]
    assert copy.status == "refused" and "same content as existing.txt" in copy.reason
    new = b"Existing article\n\nBody\n\nUpdated text about sleep, naps and caffeine.\n"
    replaced = save_uploads([("existing.txt", new)], corpus, MB)[0]
    assert replaced.status == "replaced"
    assert (corpus / "existing.txt").read_bytes() == new
    twice = save_uploads([("a.txt", ARTICLE), ("a.txt", ARTICLE + b"More.\n")], corpus, MB)
    assert [r.status for r in twice] == ["added", "refused"]
    assert "also named a.txt" in twice[1].reason


def test_one_bad_file_does_not_stop_the_others(corpus):
    results = save_uploads([("../x.txt", ARTICLE), ("good.md", b"# Good\n\nText about pollen.\n")], corpus, MB)
    assert [(r.name, r.status, r.saved_as) for r in results] == [("../x.txt", "refused", None), ("good.md", "added", "good.md")]
    assert (corpus / "good.md").is_file()


def test_a_symlink_in_the_corpus_is_never_written_through(corpus, tmp_path):
    outside = tmp_path / "outside.txt"
    outside.write_bytes(b"outside\n\nsecret text here.\n")
    os.symlink(outside, corpus / "link.txt")
    [r] = save_uploads([("link.txt", ARTICLE)], corpus, MB)
    assert r.status == "refused" and "not a regular file" in r.reason
    assert outside.read_bytes() == b"outside\n\nsecret text here.\n"


def test_missing_corpus_folder_is_a_clear_error(tmp_path):
    with pytest.raises(CorpusError, match="does not exist"):
        save_uploads([("a.txt", ARTICLE)], tmp_path / "nope", MB)


def test_no_temp_files_are_left_behind(corpus):
    save_uploads([("a.txt", ARTICLE), ("b.txt", b"B\n\nAnother short article body.\n")], corpus, MB)
    assert not [p for p in corpus.iterdir() if p.name.startswith(".upload-")]
