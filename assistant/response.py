"""`Response`: the one answer object of `Assistant.ask`, after simonw/llm's `Response` (`ask(..., stream=True)` like
llm's `prompt(..., stream=True)`: a request that streams; without it the answer is made before `ask` returns).

Iterate it for the text pieces as they are written (a language model's tokens; an extractive answer comes
as one piece; the urgent notice is not among them); read `.text`, `.citations`, `.covered` (or any other field of the finished `Answer`) when it
is done: they wait until then. `.notice` and `.searched` are known as soon as `ask` returns (before any
text), so an interface can show the urgent notice first.

Nobody has to iterate: asking for `.text` (or `.answer()`) of a Response not yet read makes the answer
without streaming (one request to a language model instead of a stream of tokens). The final text may differ from the pieces:
markers renumbered or removed, the notes that head it, or the extractive answer after the model failed.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import Any

from .types import Answer, Citation


class Response:
    """An answer that streams. `stream()` yields the text pieces, then the finished Answer; `complete()`
    (optional) makes the finished Answer without streaming."""

    def __init__(
        self,
        stream: Callable[[], Iterator[str | Answer]],
        complete: Callable[[], Answer] | None = None,
        *,
        notice: str = "",
        searched: str = "",
    ):
        self._stream = stream
        self._complete = complete
        self.notice = notice
        """The urgent-care notice for the question ("" when it mentions no warning sign): it heads `.text`."""
        self.searched = searched
        """The question as searched (cleaned, a follow-up made standalone)."""
        self._pieces: list[str] = []
        self._running: Iterator[str | Answer] | None = None
        self._answer: Answer | None = None
        self._lock = threading.RLock()

    @classmethod
    def of(cls, answer: Answer) -> Response:
        """A finished answer as a Response (its text one piece)."""
        return cls(lambda: iter([body(answer), answer]), lambda: answer, notice=answer.notice, searched=answer.searched)

    # --- streaming ---------------------------------------------------------------------------

    def __iter__(self) -> Iterator[str]:
        """The text pieces as they are written (again from the start when iterated a second time)."""
        i = 0
        while True:
            with self._lock:
                if i < len(self._pieces):
                    piece = self._pieces[i]
                elif self._answer is not None:
                    return
                else:
                    piece = self._next()
                    if piece is None:
                        return
            i += 1
            yield piece

    def _next(self) -> str | None:
        """The next piece of the stream (started on first use), None at its end (the Answer is then kept)."""
        if self._running is None:
            self._running = self._stream()
        for item in self._running:
            if isinstance(item, Answer):
                self._answer = item
                return None
            self._pieces.append(item)
            return item
        raise RuntimeError("the answer stream ended without an Answer")

    def answer(self) -> Answer:
        """The finished Answer: waits for the rest of the stream, or makes it without streaming if none was read."""
        with self._lock:
            if self._answer is None:
                if self._running is None and self._complete is not None:
                    self._answer = self._complete()
                    self._pieces = [body(self._answer)]
                else:
                    while self._next() is not None:
                        pass
            return self._answer

    @property
    def done(self) -> bool:
        return self._answer is not None

    # --- the finished answer's fields --------------------------------------------------------

    @property
    def text(self) -> str:
        return self.answer().text

    @property
    def citations(self) -> list[Citation]:
        return self.answer().citations

    @property
    def covered(self) -> bool:
        return self.answer().covered

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self.answer(), name)  # notes, hits, backend, refusal, offered, ... (they wait too)

    def __str__(self) -> str:
        return str(self.answer())

    def __repr__(self) -> str:
        return f"<Response {'done' if self.done else 'streaming'}: {self.searched!r}>"


def body(answer: Answer) -> str:
    """The answer's text after its urgent notice: what its pieces add up to when it is not streamed."""
    return answer.text.removeprefix(f"{answer.notice}\n\n") if answer.notice else answer.text


__all__ = ["Response", "body"]
