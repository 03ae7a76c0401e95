"""The LangChain retriever (assistant/lc_retriever.py): LangChain's own standard retriever tests
(langchain-tests) against the shipped corpus, the same ranking as `Assistant.search`, an LCEL chain,
and `ainvoke` leaving the event loop free."""

from __future__ import annotations

import asyncio
import time

import pytest
from langchain_core.documents import Document
from langchain_core.runnables import RunnableLambda
from langchain_tests.integration_tests import RetrieversIntegrationTests

from assistant import Assistant
from assistant.lc_retriever import AssistantRetriever

QUERY = "why do I get leg cramps at night?"


class TestAssistantRetrieverStandard(RetrieversIntegrationTests):
    """LangChain's published standard tests for retriever integrations, unchanged."""

    @pytest.fixture(autouse=True)
    def _shipped(self, shipped_bot):
        self.bot = shipped_bot

    @property
    def retriever_constructor(self) -> type[AssistantRetriever]:
        return AssistantRetriever

    @property
    def retriever_constructor_params(self) -> dict:
        return {"assistant": self.bot, "k": 4}

    @property
    def retriever_query_example(self) -> str:
        return QUERY


def test_documents_are_the_search_hits_in_the_same_order(shipped_bot):
    hits = shipped_bot.search(QUERY, k=5)
    docs = shipped_bot.as_retriever(k=5).invoke(QUERY)
    assert [d.page_content for d in docs] == [h.text for h in hits]
    first = docs[0]
    assert first.metadata["source"] == "leg-cramps-at-night.txt"
    assert first.id == hits[0].chunk_id
    for doc, hit in zip(docs, hits, strict=True):
        assert {k: doc.metadata[k] for k in ("source", "root", "title", "section", "url", "score")} == {
            "source": hit.source, "root": hit.root, "title": hit.title, "section": hit.section,
            "url": hit.url, "score": hit.score,
        }
    assert [d.metadata["rank"] for d in docs] == [1, 2, 3, 4, 5]
    assert len(shipped_bot.as_retriever(k=5).invoke(QUERY, k=2)) == 2
    assert shipped_bot.as_retriever().invoke("   ") == []
    with pytest.raises(ValueError, match="k must be"):
        shipped_bot.as_retriever().invoke(QUERY, k=0)


def test_lcel_chain_retriever_then_formatter(shipped_bot):
    def cite(docs: list[Document]) -> str:
        return "\n".join(f"[{i}] {d.metadata['title']} ({d.metadata['source']}): {d.page_content[:60]!r}"
                         for i, d in enumerate(docs, start=1))

    chain = shipped_bot.as_retriever(k=3) | RunnableLambda(cite)
    text = chain.invoke("how can I stop a nosebleed?")
    assert text.startswith("[1] ") and "(nosebleeds.txt)" in text.splitlines()[0]
    assert len(text.splitlines()) == 3
    assert chain.batch([QUERY, "snoring"])[0].count("\n") == 2


def test_ainvoke_does_not_block_the_event_loop(shipped_bot):
    class SlowBot:
        """The shipped store behind a search that blocks its thread for 0.5 s."""

        def search(self, query: str, k: int = 5):
            time.sleep(0.5)
            return shipped_bot.search(query, k)

    retriever = AssistantRetriever(assistant=SlowBot(), k=2)

    async def run() -> tuple[list[Document], int]:
        ticks = 0

        async def ticker() -> None:
            nonlocal ticks
            while True:
                await asyncio.sleep(0.01)
                ticks += 1

        task = asyncio.create_task(ticker())
        docs = await retriever.ainvoke(QUERY)
        task.cancel()
        return docs, ticks

    docs, ticks = asyncio.run(run())
    assert [d.metadata["source"] for d in docs][0] == "leg-cramps-at-night.txt"
    assert ticks >= 10  # the loop kept running while the search blocked its worker thread


def test_retriever_opened_from_a_store_folder(shipped_bot, monkeypatch, embedder):
    monkeypatch.setattr("assistant.assistant.load_embedder", lambda settings: embedder)  # the session's model
    retriever = AssistantRetriever(store=shipped_bot.store_dir, k=2)
    try:
        assert isinstance(retriever.assistant, Assistant) and retriever.assistant is not shipped_bot
        docs = retriever.invoke(QUERY)
        assert [d.metadata["source"] for d in docs] == [h.source for h in shipped_bot.search(QUERY, k=2)]
    finally:
        retriever.close()
