"""The retriever embeds the question inside the request, so later steps reuse its vector."""

from __future__ import annotations

from typing import Any

import anyio

from app.kb.retriever import Retriever
from app.kb.vector_cache import QuestionOnce, new_question
from tests.kb.test_vector_cache import CountingEmbedder


class _EmptyStore:
    """A store with nothing in it: retrieval's calls, answered with no hits."""

    def by_addresses(self, *args: Any, **kwargs: Any) -> list[Any]:
        return []

    def hybrid(self, *args: Any, **kwargs: Any) -> list[Any]:
        return []


class _Sparse:
    def encode_query(self, text: str) -> Any:
        return None


def test_the_question_retrieval_embeds_is_the_one_later_steps_of_the_request_reuse() -> None:
    model = CountingEmbedder()
    embedder = QuestionOnce(model)  # type: ignore[arg-type]
    retriever = Retriever(_EmptyStore(), embedder, _Sparse())  # type: ignore[arg-type]

    async def request() -> None:
        new_question()
        # As the answer service runs it: on a worker thread, which embeds on another one.
        await anyio.to_thread.run_sync(retriever.retrieve, "What is Aave?", 5)
        embedder.embed_query("What is Aave?")  # the coverage check, the extractive answer

    try:
        anyio.run(request)
    finally:
        retriever.close()
    assert model.texts == ["What is Aave?"]
