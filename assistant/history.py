"""A conversation as `ask(history=...)` takes it: a list of `Turn`s, or of strings (the user's earlier questions).

`as_turns` is the one reader of histories. Besides those two forms it still reads, for callers written
before `Turn`, (user, assistant) pairs, OpenAI / Gradio style messages (`{"role": ..., "content": ...}`) and
objects with `role` and `content` attributes; the web app and the HTTP / MCP tools turn their messages into
`Turn`s themselves (assistant/web/), so no interface's format reaches search or answering.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from .types import Turn

History = Sequence[str] | Sequence[Turn]
"""What `ask(history=...)` takes, oldest first."""


def as_turns(history: Iterable[Any] | None) -> list[Turn]:
    """Each message of a history as a `Turn`, oldest first, its whitespace made single spaces; empty messages
    left out. Plain strings are the user's questions; every role but "user" counts as "assistant"."""
    turns: list[Turn] = []
    for item in history or ():
        if isinstance(item, Turn):
            said = [(item.role, item.text)]
        elif isinstance(item, str):
            said = [("user", item)]
        elif isinstance(item, list | tuple) and len(item) == 2:
            said = [("user", item[0]), ("assistant", item[1])]
        elif isinstance(item, Mapping):
            said = [(item.get("role"), item.get("content"))]
        else:
            said = [(getattr(item, "role", None), getattr(item, "content", None))]
        for role, content in said:
            text = " ".join(message_text(content).split())
            if text:
                turns.append(Turn("user" if role == "user" else "assistant", text))
    return turns


def message_text(content: Any) -> str:
    """The text of a chat message's content: a string, a text part (`{"type": "text", "text": ...}`;
    a part of another type has none), or a list of those, joined by spaces."""
    if isinstance(content, str):
        return content
    if isinstance(content, Mapping):
        if content.get("type", "text") != "text":
            return ""
        return str(content.get("text") or content.get("content") or "")
    if isinstance(content, Sequence):
        return " ".join(t for t in (message_text(part) for part in content) if t)
    return ""


def previous_questions(history: Iterable[Any] | None) -> list[str]:
    """The user's earlier questions, oldest first (a history as `ask` takes it); what the assistant said is
    ignored."""
    return [text for role, text in as_turns(history) if role == "user"]


__all__ = ["History", "Turn", "as_turns", "message_text", "previous_questions"]
