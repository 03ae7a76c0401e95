"""A LangChain retriever over the store: `Assistant.as_retriever(k=5)` or `AssistantRetriever(store="data")`.

`invoke(query)` returns LangChain `Document`s of `Assistant.search` hits, in the same order: the passage
as `page_content`, and `metadata` that lets a chain cite it (source, root, title, section, url, score,
...). `ainvoke` runs the search in a worker thread so the event loop is never blocked.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Any

from langchain_core.callbacks import AsyncCallbackManagerForRetrieverRun, CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict, Field, PrivateAttr, model_validator

from .types import Hit

log = logging.getLogger(__name__)


def hit_to_document(hit: Hit, rank: int) -> Document:
    """One search hit as a LangChain Document (`id` = the chunk id, stable across re-syncs of the same text)."""
    metadata: dict[str, Any] = {
        "source": hit.source,
        "root": hit.root,
        "title": hit.title,
        "section": hit.section,
        "url": hit.url,
        "score": hit.score,
        "rank": rank,
        "position": hit.position,
        "dense_score": hit.dense_score,
        "keyword_score": hit.keyword_score,
    }
    if hit.page is not None:  # PDFs: the first and last page of the passage
        metadata["page"] = hit.page
        metadata["page_end"] = hit.page_end if hit.page_end is not None else hit.page
    return Document(page_content=hit.text, metadata=metadata, id=hit.chunk_id or None)


class AssistantRetriever(BaseRetriever):
    """Hybrid (dense + BM25) search over an assistant store, as a LangChain retriever.

    Build it from an open assistant (`AssistantRetriever(assistant=bot, k=5)`, or `bot.as_retriever(k=5)`)
    or from a store folder (`AssistantRetriever(store="data", k=5)`, which opens the store and owns it:
    `close()` it when done). `invoke(query, k=3)` overrides `k` for one call.
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    assistant: Any = Field(default=None, exclude=True, repr=False)
    """The open `Assistant` to search (opened from `store` when not given)."""
    store: Path | None = None
    """Store folder to open when no `assistant` is given (default: ASSISTANT_STORE or ./data)."""
    k: int = Field(default=5, ge=1)
    """Number of passages to return, best first."""

    _owned: bool = PrivateAttr(default=False)

    @model_validator(mode="after")
    def _open_store(self) -> AssistantRetriever:
        if self.assistant is None:
            from .assistant import Assistant

            self.assistant = Assistant.open(self.store)
            self._owned = True
        return self

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun, k: int | None = None, **kwargs: Any
    ) -> list[Document]:
        if kwargs:
            log.debug("ignoring unsupported retriever arguments: %s", sorted(kwargs))
        k = self.k if k is None else k
        if not isinstance(k, int) or k < 1:
            raise ValueError(f"k must be a positive whole number of documents, not {k!r}")
        hits = self.assistant.search(query, k=k)
        return [hit_to_document(hit, rank) for rank, hit in enumerate(hits, start=1)]

    async def _aget_relevant_documents(
        self, query: str, *, run_manager: AsyncCallbackManagerForRetrieverRun, k: int | None = None, **kwargs: Any
    ) -> list[Document]:
        # The search is CPU-bound, synchronous code (ONNX, Chroma, BM25): run it in a worker thread.
        return await asyncio.to_thread(
            self._get_relevant_documents, query, run_manager=run_manager.get_sync(), k=k, **kwargs
        )

    def close(self) -> None:
        """Close the store if this retriever opened it (a no-op for a retriever over an open assistant)."""
        if self._owned:
            self.assistant.close()
            self._owned = False


__all__ = ["AssistantRetriever", "hit_to_document"]
