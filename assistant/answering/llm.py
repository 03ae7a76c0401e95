"""Optional language models: pick a LangChain chat model from `ASSISTANT_LLM` (or take one that
was passed in) and call it under one overall deadline, so nothing hangs.

Specs: `ollama:MODEL` (server at OLLAMA_HOST, default http://127.0.0.1:11434),
`openai:MODEL` (any OpenAI-compatible server: OPENAI_BASE_URL, OPENAI_API_KEY) and
`llamacpp:/path/model.gguf` (in-process, needs llama-cpp-python, imported only when asked for).
"""

from __future__ import annotations

import importlib
import logging
import os
import queue
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from ..errors import AssistantError

log = logging.getLogger(__name__)

LLAMACPP_PIP = "pip install llama-cpp-python"
BACKENDS = ("ollama", "openai", "llamacpp")
RETRIES = 1
"""Retries of a failed request inside the client; the overall deadline still bounds them."""


class LLMError(AssistantError):
    """The language model could not produce an answer (the caller falls back to extractive)."""


class LLMConfigError(LLMError):
    """`ASSISTANT_LLM` (or the `llm=` argument) does not name a usable backend."""


class LLMTimeout(LLMError):
    """The model did not finish within `ASSISTANT_LLM_TIMEOUT` seconds."""


class LLMUnavailable(LLMError):
    """The model's server refused, failed or answered with an error."""


class ChatBackend:
    """A chat model plus its display name ("openai:gpt-4o-mini") and time budget."""

    def __init__(self, model: Any, name: str, timeout: float):
        self.model = model
        self.name = name
        self.timeout = timeout

    def __repr__(self) -> str:
        return f"ChatBackend({self.name!r}, timeout={self.timeout})"

    def stream(self, messages: Sequence[Any], deadline: float | None = None) -> Iterator[str]:
        """Text pieces as the model produces them (chat-completions streaming).

        Raises LLMTimeout when `deadline` (time.monotonic(); default now + timeout) passes,
        also between two pieces, and LLMUnavailable for connection or server errors."""

        def produce() -> Iterator[str]:
            for chunk in self.model.stream(list(messages)):
                text = _text(chunk)
                if text:
                    yield text

        return self._bounded(produce, deadline)

    def complete(self, messages: Sequence[Any], deadline: float | None = None) -> str:
        """The whole reply in one request (non-streaming)."""

        def produce() -> Iterator[str]:
            yield _text(self.model.invoke(list(messages)))

        return "".join(self._bounded(produce, deadline))

    def _bounded(self, produce: Callable[[], Iterator[str]], deadline: float | None) -> Iterator[str]:
        deadline = time.monotonic() + self.timeout if deadline is None else deadline
        return _with_deadline(produce, deadline, self.name, self.timeout)


def _with_deadline(produce: Callable[[], Iterator[str]], deadline: float, name: str, budget: float) -> Iterator[str]:
    """Run `produce` in a worker thread and hand its pieces over until the deadline.

    A blocking HTTP read cannot be interrupted from outside, so the worker is abandoned at the
    deadline (the client's own timeout ends it soon after); between pieces it stops by itself
    once the consumer has gone."""
    pieces: queue.Queue[Any] = queue.Queue()
    stop = threading.Event()
    done = object()

    def work() -> None:
        try:
            it = produce()
            try:
                for piece in it:
                    if stop.is_set():
                        break
                    pieces.put(piece)
            finally:
                close = getattr(it, "close", None)
                if close is not None:
                    close()
            pieces.put(done)
        except BaseException as exc:  # noqa: BLE001 - handed to the consumer, which decides
            pieces.put(exc)

    worker = threading.Thread(target=work, name=f"llm {name}", daemon=True)
    worker.start()
    try:
        while True:
            remaining = deadline - time.monotonic()
            try:
                if remaining <= 0:
                    raise queue.Empty
                item = pieces.get(timeout=remaining)
            except queue.Empty:
                raise LLMTimeout(f"the language model ({name}) did not answer within {budget:g} s") from None
            if item is done:
                return
            if isinstance(item, BaseException):
                if isinstance(item, LLMError):
                    raise item
                log.warning("language model %s failed", name, exc_info=item)
                raise LLMUnavailable(f"the language model ({name}) failed: {_describe(item)}") from item
            yield item
    finally:
        stop.set()


def _describe(exc: BaseException) -> str:
    cause: BaseException | None = exc
    while cause is not None and cause.__cause__ is not None and not str(cause):
        cause = cause.__cause__
    message = str(cause or exc).strip().splitlines()
    first = message[0][:200] if message else ""
    return f"{type(exc).__name__}: {first}" if first else type(exc).__name__


def _text(message: Any) -> str:
    if isinstance(message, str):
        return message
    text = getattr(message, "text", None)
    if text is not None and not callable(text):
        return str(text)
    content = getattr(message, "content", "")
    if isinstance(content, str):
        return content
    return "".join(b.get("text", "") if isinstance(b, dict) else str(b) for b in content or [])


# --- selection ------------------------------------------------------------------------------


def resolve_llm(llm: Any, spec: str | None, timeout: float) -> ChatBackend | None:
    """The backend to use: an explicit `llm` (a spec string, a LangChain chat model or a
    ChatBackend) wins over `spec` (ASSISTANT_LLM); None when neither is given."""
    if isinstance(llm, ChatBackend):
        return llm
    if llm is not None and not isinstance(llm, str):
        if not (callable(getattr(llm, "stream", None)) and callable(getattr(llm, "invoke", None))):
            raise LLMConfigError(
                f"llm= must be a LangChain chat model (with .invoke and .stream) or a spec such as "
                f"'ollama:llama3.2'; got {type(llm).__name__}"
            )
        return ChatBackend(llm, backend_name(llm), timeout)
    spec = llm if isinstance(llm, str) else spec
    if spec is None or not spec.strip():
        return None
    return ChatBackend(make_chat_model(spec, timeout), _spec_name(spec), timeout)


def _spec_name(spec: str) -> str:
    kind, _, arg = spec.strip().partition(":")
    if kind.strip().lower() == "llamacpp":
        arg = Path(arg.strip()).name
    return f"{kind.strip().lower()}:{arg.strip()}"


def backend_name(model: Any) -> str:
    """`kind:model` for a chat model object, e.g. `openai:gpt-4o-mini`."""
    kinds = {"ChatOpenAI": "openai", "AzureChatOpenAI": "azure", "ChatOllama": "ollama", "LlamaCppChat": "llamacpp"}
    kind = kinds.get(type(model).__name__)
    if kind is None:
        try:
            kind = str(model._llm_type)
        except Exception:  # noqa: BLE001 - any object may be passed in
            kind = type(model).__name__
    name = getattr(model, "model_name", None) or getattr(model, "model", None)
    if name and kind == "llamacpp":
        name = Path(str(name)).name
    return f"{kind}:{name}" if isinstance(name, str) and name else kind


def make_chat_model(spec: str, timeout: float) -> Any:
    """A LangChain chat model for `ollama:MODEL`, `openai:MODEL` or `llamacpp:/path/model.gguf`."""
    kind, sep, arg = spec.strip().partition(":")
    kind, arg = kind.strip().lower(), arg.strip()
    if not sep or kind not in BACKENDS or not arg:
        raise LLMConfigError(
            f"ASSISTANT_LLM={spec!r} is not a known backend: use ollama:MODEL (e.g. ollama:llama3.2), "
            f"openai:MODEL (with OPENAI_BASE_URL / OPENAI_API_KEY for any OpenAI-compatible server) "
            f"or llamacpp:/path/to/model.gguf"
        )
    if kind == "ollama":
        ChatOllama = _import_client("langchain_ollama", "ChatOllama")  # noqa: N806

        host = os.environ.get("OLLAMA_HOST") or None
        return ChatOllama(model=arg, base_url=host, temperature=0.2, num_ctx=4096, client_kwargs={"timeout": timeout})
    if kind == "openai":
        ChatOpenAI = _import_client("langchain_openai", "ChatOpenAI")  # noqa: N806

        base_url = os.environ.get("OPENAI_BASE_URL") or None
        api_key = os.environ.get("OPENAI_API_KEY") or None
        if api_key is None:
            if base_url is None:
                raise LLMConfigError(
                    f"ASSISTANT_LLM={spec!r} needs OPENAI_API_KEY, or OPENAI_BASE_URL pointing at an "
                    f"OpenAI-compatible server (e.g. http://127.0.0.1:8080/v1 for llama.cpp's server)"
                )
            api_key = "not-needed"  # local servers accept any key; the SDK insists on one
        return ChatOpenAI(model=arg, base_url=base_url, api_key=api_key, timeout=timeout, max_retries=RETRIES)
    return load_llamacpp(arg)


# --- llama.cpp in-process -----------------------------------------------------------------


def _import_client(module: str, name: str) -> Any:
    try:
        return getattr(importlib.import_module(module), name)
    except ImportError as exc:
        raise LLMConfigError(
            f"ASSISTANT_LLM needs {module.replace('_', '-')}, which is not installed: pip install -r requirements-llm.txt"
        ) from exc


def _import_llama_cpp() -> Any:
    try:
        import llama_cpp
    except ImportError as exc:
        raise LLMConfigError(
            f"the llamacpp backend needs the llama-cpp-python package, which is not installed: "
            f"{LLAMACPP_PIP} (it compiles llama.cpp, which takes a while), or serve the model with any "
            f"OpenAI-compatible server and use ASSISTANT_LLM=openai:MODEL with OPENAI_BASE_URL"
        ) from exc
    return llama_cpp


def _llamacpp_chat_class() -> type:
    """LlamaCppChat, defined on first use (langchain-core's chat model base is slow to import)."""
    global _LLAMACPP_CHAT
    if _LLAMACPP_CHAT is not None:
        return _LLAMACPP_CHAT
    from langchain_core.language_models.chat_models import BaseChatModel
    from langchain_core.messages import AIMessage, AIMessageChunk
    from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult

    class LlamaCppChat(BaseChatModel):
        """A LangChain chat model over llama_cpp.Llama's OpenAI-style chat completion."""

        model_path: str
        llama: Any
        temperature: float = 0.2
        max_tokens: int = 768

        @property
        def _llm_type(self) -> str:
            return "llamacpp"

        @property
        def model(self) -> str:
            return self.model_path

        def _request(self, messages: list[Any], stop: list[str] | None) -> dict[str, Any]:
            roles = {"system": "system", "human": "user", "ai": "assistant"}
            return {
                "messages": [{"role": roles.get(m.type, "user"), "content": _text(m)} for m in messages],
                "temperature": self.temperature,
                "max_tokens": self.max_tokens,
                "stop": stop,
            }

        def _generate(
            self, messages: list[Any], stop: list[str] | None = None, run_manager: Any = None, **kwargs: Any
        ) -> ChatResult:
            out = self.llama.create_chat_completion(**self._request(messages, stop))
            content = out["choices"][0]["message"].get("content") or ""
            return ChatResult(generations=[ChatGeneration(message=AIMessage(content=content))])

        def _stream(
            self, messages: list[Any], stop: list[str] | None = None, run_manager: Any = None, **kwargs: Any
        ) -> Iterator[ChatGenerationChunk]:
            for part in self.llama.create_chat_completion(**self._request(messages, stop), stream=True):
                delta = part["choices"][0].get("delta", {}).get("content") or ""
                if delta:
                    chunk = ChatGenerationChunk(message=AIMessageChunk(content=delta))
                    if run_manager is not None:
                        run_manager.on_llm_new_token(delta, chunk=chunk)
                    yield chunk

    _LLAMACPP_CHAT = LlamaCppChat
    return LlamaCppChat


_LLAMACPP_CHAT: type | None = None


def load_llamacpp(path: str, n_ctx: int = 4096) -> Any:
    """A chat model over a local GGUF file (needs llama-cpp-python, imported only here)."""
    llama_cpp = _import_llama_cpp()
    model_path = Path(path).expanduser()
    if not model_path.is_file():
        raise LLMConfigError(f"ASSISTANT_LLM=llamacpp:{path}: no model file at {model_path}")
    llama = llama_cpp.Llama(model_path=str(model_path), n_ctx=n_ctx, verbose=False)
    return _llamacpp_chat_class()(model_path=str(model_path), llama=llama)


__all__ = [
    "ChatBackend",
    "LLMConfigError",
    "LLMError",
    "LLMTimeout",
    "LLMUnavailable",
    "backend_name",
    "load_llamacpp",
    "make_chat_model",
    "resolve_llm",
]
