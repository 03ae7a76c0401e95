"""The commands a message tells the user to run, named as that user runs them: `python ingest.py`,
`python -m assistant` and `python app.py` in a checkout, `assistant-ingest`, `assistant` and `assistant-app`
after `pip install .` (pyproject.toml's console scripts). A message built with `command("ingest")` says
"run `assistant-ingest --rebuild`" to the one and "run `python ingest.py --rebuild`" to the other.
"""

from __future__ import annotations

import sys
from pathlib import Path

SCRIPTS: dict[str, tuple[str, str]] = {
    "ingest": ("python ingest.py", "assistant-ingest"),
    "ask": ("python -m assistant", "assistant"),
    "app": ("python app.py", "assistant-app"),
}
"""Each command: (as run in a checkout, as installed)."""
_CHECKOUT_SCRIPTS = frozenset({"ingest.py", "app.py"})
_INSTALLED_SCRIPTS = frozenset(installed for _, installed in SCRIPTS.values())
_CHECKOUT = Path(__file__).resolve().parent.parent


def installed() -> bool:
    """Whether the user runs the installed commands: this process is one of them, or (`python -m assistant`,
    a program of the user's own) the package was installed rather than used from a checkout."""
    program = Path(sys.argv[0] if sys.argv and sys.argv[0] else "").name
    if program in _INSTALLED_SCRIPTS:
        return True
    if program in _CHECKOUT_SCRIPTS:
        return False
    return not (_CHECKOUT / "ingest.py").is_file()


def command(name: str) -> str:
    """The command `name` ("ingest", "ask" or "app") as the user runs it."""
    checkout, as_installed = SCRIPTS[name]
    return as_installed if installed() else checkout


__all__ = ["SCRIPTS", "command", "installed"]
