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


def test_rebuild_with_a_mistyped_folder_keeps_the_store(cli_store, tmp_path):
    corpus, store, _ = cli_store
    result = run(str(REPO / "ingest.py"), str(corpus), str(tmp_path / "corpsu"), "--rebuild", "--store", str(store))
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1].startswith("error: folder not found")
    listed = run(str(REPO / "ingest.py"), "--list", "--store", str(store))
    assert "3 articles" in listed.stdout, listed.stdout  # not wiped before the folders were checked


def test_the_same_folder_named_twice_is_synced_once(cli_store):
    corpus, store, _ = cli_store
    again = run(str(REPO / "ingest.py"), str(corpus), f"{corpus}/", "--store", str(store))
    assert again.returncode == 0, again.stderr
    assert "0 added, 0 updated, 0 removed, 3 unchanged" in again.stdout


@pytest.mark.parametrize("k", ["0", "-2", "three"])
def test_ask_refuses_a_k_that_is_not_a_count_of_passages(k, cli_store):
    _, store, _ = cli_store
    result = run("-m", "assistant", "why cramps at night?", "-k", k, "--store", str(store))
    assert result.returncode == 2 and "argument -k" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("variable", "value", "says"),
    [("ASSISTANT_MIN_SCORE", "abc", "is not a valid float"), ("ASSISTANT_CHUNK_TOKENS", "0", "must be at least 1"),
     ("ASSISTANT_DENSE_WEIGHT", "nan", "is not a number")],
)
@pytest.mark.parametrize("command", ["ingest", "ask"])
def test_a_bad_setting_is_one_line_not_a_traceback(command, variable, value, says, cli_store):
    corpus, store, _ = cli_store
    args = [str(REPO / "ingest.py"), str(corpus)] if command == "ingest" else ["-m", "assistant", "why cramps?"]
    result = run(*args, "--store", str(store), env_extra={variable: value})
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr[-2000:]
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("error: ") and variable in last and says in last, result.stderr[-2000:]


@pytest.mark.parametrize("command", ["ask", "list"])
def test_output_piped_into_a_reader_that_stops_early_is_no_traceback(command, cli_store):
    _, store, _ = cli_store
    import os

    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")}
    args = ["-m", "assistant", "why cramps at night?"] if command == "ask" else [str(REPO / "ingest.py"), "--list"]
    ask = subprocess.Popen([sys.executable, *args, "--store", str(store)],
                           cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    ask.stdout.close()  # like `| head -c0`: the reader is gone before the answer is printed
    ask.stdout = None
    _, err = ask.communicate(timeout=300)
    assert ask.returncode == 0 and b"BrokenPipeError" not in err and b"Traceback" not in err, err[-2000:]


@pytest.mark.parametrize(
    "args",
    [["-m", "assistant", "why cramps at night?", "--store", "{store}"], ["{ingest}", "--list", "--store", "{store}"],
     ["{ingest}", "{missing}", "--store", "{store}"]],
    ids=["ask", "list", "ingest of a missing folder"],
)
def test_a_mistyped_store_or_folder_creates_no_store(args, tmp_path):
    store, missing = tmp_path / "sotre", tmp_path / "corpsu"
    values = {"store": str(store), "ingest": str(REPO / "ingest.py"), "missing": str(missing)}
    result = run(*(a.format(**values) for a in args))
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr[-2000:]
    assert result.stderr.strip().splitlines()[-1].startswith(("error: no store at", "error: folder not found"))
    assert not store.exists()


def test_in_a_folder_with_no_articles_ingest_takes_the_sample_articles_and_ask_answers(tmp_path):
    """What a user of the installed package meets in an empty folder: `ingest` with no folder says it takes the
    sample articles shipped with the package (and how to name one's own), then `ask` answers from them."""
    ingest = run(str(REPO / "ingest.py"), cwd=tmp_path)
    assert ingest.returncode == 0, ingest.stderr[-2000:]
    first = ingest.stdout.splitlines()[0]
    assert first.startswith(f"No corpus folder here ({tmp_path / 'corpus'}): using the ")
    assert "sample articles shipped with the package" in first and "`python ingest.py DIR`" in first
    assert f"{len(list(CORPUS.iterdir()))} added" in ingest.stdout
    asked = run("-m", "assistant", "why cramps at night?", cwd=tmp_path, env_extra={"PYTHONPATH": str(REPO)})
    assert asked.returncode == 0, asked.stderr[-2000:]
    assert "[1]" in asked.stdout and "leg-cramps-at-night.txt" in asked.stdout


def test_list_counts_one_chunk_in_the_singular(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "short.txt").write_text("Hiccups\n\nHiccups usually stop on their own within a few minutes.\n")
    assert run(str(REPO / "ingest.py"), str(corpus), "--store", str(tmp_path / "s")).returncode == 0
    listed = run(str(REPO / "ingest.py"), "--list", "--store", str(tmp_path / "s"))
    assert "\t1 chunk\t" in listed.stdout and "1 article in " in listed.stdout, listed.stdout


@pytest.mark.parametrize("script", ["ingest.py", "app.py", "-m assistant"])
def test_every_command_gives_the_same_store_default_in_its_help(script):
    result = run(*script.split(), "--help") if script.startswith("-m") else run(str(REPO / script), "--help")
    assert result.returncode == 0
    assert "(default: ASSISTANT_STORE or ./data)" in " ".join(result.stdout.split())


@pytest.mark.parametrize(
    ("argv0", "ingest"),
    [("/venv/bin/assistant-ingest", "assistant-ingest"), ("/venv/bin/assistant", "assistant-ingest"),
     ("/venv/bin/assistant-app", "assistant-ingest"), (str(REPO / "ingest.py"), "python ingest.py"),
     (str(REPO / "app.py"), "python ingest.py"), (str(REPO / "assistant" / "__main__.py"), "python ingest.py")],
)
def test_messages_name_the_ingest_command_the_user_runs(argv0, ingest, monkeypatch):
    from assistant.commands import command

    monkeypatch.setattr(sys, "argv", [argv0])
    assert command("ingest") == ingest


def _on_a_terminal(*args: str) -> str:
    """What the command writes to a terminal (a pseudo-terminal as its stdout)."""
    import os
    import pty

    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_") and k != "NO_COLOR"}
    env["TERM"] = "xterm-256color"
    parent, child = pty.openpty()
    proc = subprocess.Popen([sys.executable, *args], cwd=REPO, env=env, stdout=child, stderr=subprocess.DEVNULL)
    os.close(child)
    out = b""
    while True:
        try:
            data = os.read(parent, 65536)
        except OSError:  # EIO: the command closed the terminal
            break
        if not data:
            break
        out += data
    os.close(parent)
    assert proc.wait(timeout=300) == 0
    return out.decode()


def test_ask_renders_markdown_on_a_terminal_and_prints_plain_text_into_a_pipe(cli_store):
    _, store, _ = cli_store
    args = ("-m", "assistant", "why cramps at night?", "--store", str(store))
    shown, piped = _on_a_terminal(*args), run(*args).stdout
    assert "\x1b[1mWhen to see a doctor" in shown  # bold on a terminal
    assert "\x1b[" not in piped and "\nWhen to see a doctor" in piped  # plain text into a pipe
    for out in (shown, piped):
        assert "**" not in out and "[1]" in out and "leg-cramps-at-night.txt" in out
