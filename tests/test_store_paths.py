"""Store path problems give one-line errors; a read-only store can be read; invisible questions are empty;
failed logins are throttled per address (issue 14)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import httpx
import pytest

from assistant import Assistant, Settings, StoreError
from assistant.cli import ingest_main
from assistant.errors import QuestionError

from .helpers_app import free_port
from .helpers_data import REPO
from .helpers_embedder import FakeEmbedder
from .helpers_store import write_articles


def _open(store: Path) -> Assistant:
    return Assistant.open(settings=Settings(store=store), embedder=FakeEmbedder())


@pytest.mark.parametrize("case", ["parent is a file", "chroma is a file"])
def test_store_path_problems_are_one_line_store_errors(case, tmp_path, capsys):
    if case == "parent is a file":
        (tmp_path / "file").write_text("x")
        store = tmp_path / "file" / "store"
    else:
        store = tmp_path / "store"
        store.mkdir()
        (store / "chroma").write_text("x")
    with pytest.raises(StoreError) as err:
        _open(store)
    assert str(store.name) in str(err.value) and "\n" not in str(err.value)
    assert ingest_main(["--list", "--store", str(store)]) == 1
    assert capsys.readouterr().err.startswith("error: ")


READ_ONLY_SCRIPT = textwrap.dedent("""
    import sys
    import assistant.assistant as a
    from assistant import Assistant, Settings, StoreError
    from assistant.cli import ask_main, ingest_main
    from tests.helpers_embedder import FakeEmbedder
    a.load_embedder = lambda settings: FakeEmbedder()
    store, folder = sys.argv[1], sys.argv[2]
    assert ingest_main(["--list", "--store", store]) == 0
    assert ask_main(["zorblat3 helps", "--store", store]) == 0
    bot = Assistant.open(store)
    hits = bot.search("zorblat4 helps", k=3)
    assert bot.read_only and any(h.source == "article-004.md" for h in hits), (bot.read_only, hits)
    try:
        bot.ingest([folder])
        raise SystemExit("ingest wrote a read-only store")
    except StoreError as exc:
        print("ingest refused:", exc)
    bot.close()
    print("ingest exit", ingest_main([folder, "--store", store]))
""")


# root ignores file permissions unless it gives up the capabilities that let it (as a user has none of them)
AS_A_USER = ["setpriv", "--bounding-set=-dac_override,-dac_read_search,-fowner"]


@pytest.mark.parametrize("how", ["read-only mount", "no write permission"])
def test_a_read_only_store_can_be_read_and_refuses_writes_in_one_line(how, tmp_path):
    folder, store = tmp_path / "articles", tmp_path / "store"
    write_articles(folder, range(6))
    bot = _open(store)
    bot.ingest([folder])
    bot.close()
    cmd = [sys.executable, "-c", READ_ONLY_SCRIPT, str(store), str(folder)]
    if how == "no write permission":  # chmod -R a-w: the vector index is read from a copy that must be writable
        for p in [store, *store.rglob("*")]:
            p.chmod(p.stat().st_mode & ~0o222)
        if os.geteuid() == 0:
            if not shutil.which("setpriv") or subprocess.run([*AS_A_USER, "true"], capture_output=True).returncode:
                pytest.skip("root cannot drop its file capabilities here (no setpriv)")
            cmd = [*AS_A_USER, *cmd]
    elif os.geteuid() != 0:
        pytest.skip("a read-only mount needs root (the permission case covers a user)")
    elif shutil.which("unshare") and subprocess.run(["unshare", "-m", "true"], capture_output=True).returncode == 0:
        # root ignores permissions: mount the store read-only in a private mount namespace
        cmd = ["unshare", "-m", "sh", "-c", f'mount --bind "{store}" "{store}" && '
               f'mount -o remount,ro,bind "{store}" "{store}" && exec "$@"', "sh", *cmd]
    else:
        pytest.skip("cannot make a read-only store here (root without mount namespaces)")
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    out = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, env=env, timeout=300)
    assert out.returncode == 0, out.stdout[-2000:] + out.stderr[-3000:]
    assert "articles in" in out.stdout and "ingest refused: the store" in out.stdout and "read-only" in out.stdout
    assert "ingest exit 1" in out.stdout and "Traceback" not in out.stderr, out.stderr[-2000:]


def test_a_closed_assistant_says_so_and_repairs_nothing(tmp_path):
    folder = tmp_path / "articles"
    write_articles(folder, range(3))
    bot = _open(tmp_path / "store")
    bot.ingest([folder])
    bot.close()
    calls = [lambda: bot.search("zorblat1"), lambda: bot.ask("zorblat1 helps"), lambda: bot.ingest([folder]),
             lambda: bot.remove(folder, "article-001.md"), lambda: bot.articles(), lambda: bot.check()]
    for call in calls:
        with pytest.raises(StoreError, match="was closed: open it again"):
            call()
    bot.close()  # twice is fine
    again = _open(tmp_path / "store")
    try:  # nothing was removed, rebuilt or left half done by the calls after close
        assert len(again.articles()) == 3 and again.manifest.journal() == []
        report = again.check()
        assert report.ok and report.repaired == [], report
    finally:
        again.close()


@pytest.fixture
def three_articles(tmp_path):
    """A store of three small articles (fake embedder), open for the test."""
    write_articles(tmp_path / "articles", range(3))
    bot = _open(tmp_path / "store")
    bot.ingest([tmp_path / "articles"])
    yield bot
    bot.close()


@pytest.mark.parametrize("question", ["\u200b", "\u200b\u200c\u200d\u2060\ufeff", " \u200b \u00ad "], ids=repr)
def test_a_question_of_zero_width_characters_is_empty(question, three_articles):
    with pytest.raises(QuestionError, match="empty"):
        three_articles.ask(question)
    assert three_articles.search(question) == []


def test_failed_logins_are_throttled_per_address_and_the_right_password_works_elsewhere():
    import gradio as gr

    from assistant.web.app import launch_kwargs

    with gr.Blocks() as demo:
        gr.Markdown("hello")
    kwargs = launch_kwargs(Settings(auth="ann:s3cret", port=free_port()))
    _, url, _ = demo.launch(prevent_thread_lock=True, quiet=True, **kwargs)
    wrong, right = {"username": "ann", "password": "wrong"}, {"username": "ann", "password": "s3cret"}
    try:
        with httpx.Client(base_url=url, timeout=30) as here:
            codes = [here.post("login", data=wrong).status_code for _ in range(12)]
            blocked_right = here.post("login", data=right)
        assert codes == [400] * 10 + [429] * 2, codes
        assert blocked_right.status_code == 429 and "wait" in blocked_right.json()["detail"]
        elsewhere = httpx.HTTPTransport(local_address="127.0.0.2")
        with httpx.Client(base_url=url, timeout=30, transport=elsewhere) as other:
            assert other.post("login", data=right).status_code == 200
    finally:
        demo.close()


def test_a_throttled_address_may_try_again_after_a_minute():
    from assistant.web.login_throttle import LoginThrottle

    now = [1000.0]
    throttle = LoginThrottle(app=None, clock=lambda: now[0])
    for _ in range(9):
        throttle.failed("10.0.0.1")
        now[0] += 1
    assert throttle.blocked("10.0.0.1") == 0
    now[0] += 60  # failures older than a minute no longer count
    for _ in range(10):
        throttle.failed("10.0.0.1")
    assert 59 < throttle.blocked("10.0.0.1") <= 60 and throttle.blocked("10.0.0.2") == 0
    now[0] += 60.5
    assert throttle.blocked("10.0.0.1") == 0


@pytest.mark.parametrize("k", [0, -1, "3", 2.5, True])
def test_search_and_ask_refuse_a_k_that_is_not_a_count_of_passages(k, three_articles):
    with pytest.raises(QuestionError, match="^k must be"):
        three_articles.search("zorblat1 helps", k=k)
    with pytest.raises(QuestionError, match="^k must be"):
        three_articles.ask("zorblat1 helps", k=k)
    assert len(three_articles.search("zorblat1 helps", k=None)) == 3  # None: the default (5), as many as there are
    assert len(three_articles.search("zorblat1 helps", k=2**40)) == 3  # more than anyone needs: cut, not a crash
