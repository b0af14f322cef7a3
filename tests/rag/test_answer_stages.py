"""The answer's stages: the sources leave before anything is generated; cached sentence vectors
give the same extractive answer while embedding only the question."""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator
from typing import Any

import anyio
import pytest
from langchain_core.callbacks import AsyncCallbackManagerForLLMRun
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGenerationChunk

from app.kb.models import Chunk, ScoredChunk
from app.kb.retriever import Retrieval
from app.kb.vector_cache import VectorCache
from app.prompts import FOLDER as PROMPTS
from app.rag.answer import Answer, AnswerService, ModelFailure, Sources
from app.rag.context import number_sources
from app.rag.extractive import extractive_answer, sentence_texts
from app.rag.prompts import Prompts
from tests.kb.test_vector_cache import CountingEmbedder
from tests.support.chunks import make_chunk

LOG: list[str] = []  # what happened, in order: the test reads the stream's events against it


def _chunk(text: str, title: str, doc: str, protocol: str | None = None) -> Chunk:
    return make_chunk(doc, text, title, protocol=protocol)


HITS = [
    ScoredChunk(
        chunk=_chunk(
            "Aave is a lending market. It sets variable borrow rates from the utilisation of "
            "each reserve. Suppliers receive interest-bearing aTokens in return for deposits.",
            "Aave lending markets",
            "aave",
            "Aave",
        ),
        score=0.9,
        matched="hybrid",
    ),
    ScoredChunk(
        chunk=_chunk(
            "Curve pools stable assets with a low-slippage invariant. Its gauges direct CRV "
            "emissions to pools that veCRV holders vote for.",
            "Curve Finance",
            "curve",
            "Curve",
        ),
        score=0.7,
        matched="hybrid",
    ),
]


class Retriever:
    """Two fixed hits, logged when asked."""

    def retrieve(self, query: str, top_k: int, filters: Any = None) -> Retrieval:
        LOG.append("retrieve")
        return Retrieval(list(HITS))

    def english(self, text: str) -> str:
        """The question in the documents' words: these are English already."""
        return text


class LoggingEmbedder(CountingEmbedder):
    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        LOG.append("embed")
        return super().embed_documents(texts)


class LoggingModel(GenericFakeChatModel):
    """Queued replies; logs when it is asked to generate."""

    async def _astream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[ChatGenerationChunk]:
        LOG.append("generate")
        async for chunk in super()._astream(messages, stop, run_manager, **kwargs):
            yield chunk


@pytest.fixture
def prompts() -> Prompts:
    return Prompts(PROMPTS)


def _service(prompts: Prompts, llm: Any = None) -> AnswerService:
    return AnswerService(
        Retriever(),  # type: ignore[arg-type]
        LoggingEmbedder(),  # type: ignore[arg-type]
        prompts,
        llm,
        decline_uncovered=False,
    )


async def _events(service: AnswerService, question: str) -> list[tuple[str, Any]]:
    """Each event with what had happened (the log) when the consumer received it."""
    out = []
    async for event in service.stream(question):
        out.append((list(LOG), event))
    return out


@pytest.mark.parametrize("mode", ["llm", "extractive"])
def test_the_sources_leave_before_anything_is_generated(prompts: Prompts, mode: str) -> None:
    LOG.clear()
    reply = AIMessage(content="Aave sets borrow rates from utilisation [1].")
    llm = LoggingModel(messages=iter([reply])) if mode == "llm" else None
    events = anyio.run(_events, _service(prompts, llm), "How does Aave set borrow rates?")
    seen_then, first = events[0]
    assert isinstance(first, Sources)
    assert [s.title for s in first.sources] == ["Aave lending markets", "Curve Finance"]
    assert seen_then == ["retrieve"]  # nothing generated or embedded for the answer yet
    final = events[-1][1]
    assert isinstance(final, Answer) and final.mode == mode
    assert final.sources == first.sources
    assert ("generate" if mode == "llm" else "embed") in LOG
    assert all(not isinstance(e, Sources) for _, e in events[1:])


def test_cached_sentence_vectors_give_the_same_answer_and_embed_only_the_question(
    prompts: Prompts,
) -> None:
    sources = number_sources(HITS)
    question = "How does Aave set borrow rates?"
    args = (question, HITS, sources)
    plain = extractive_answer(*args, CountingEmbedder(), prompts, "no model")  # type: ignore[arg-type]
    embedder = CountingEmbedder()
    cache = VectorCache(embedder)  # type: ignore[arg-type]
    cache.remember([t for h in HITS for t in sentence_texts(h.chunk)])  # as ingestion does
    embedder.texts.clear()
    cached = extractive_answer(*args, embedder, prompts, "no model", cache=cache)  # type: ignore[arg-type]
    assert cached == plain
    assert "borrow rates" in cached
    assert embedder.texts == [question]


class FailingModel(GenericFakeChatModel):
    """Streams the queued reply's first `good` chunks, then fails as an endpoint would."""

    good: int = 0

    async def _astream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[ChatGenerationChunk]:
        sent = 0
        async for chunk in super()._astream(messages, stop, run_manager, **kwargs):
            if sent == self.good:
                raise ConnectionError("endpoint went away")
            sent += 1
            yield chunk


async def _final(service: AnswerService, question: str) -> Answer:
    async for event in service.stream(question):
        if isinstance(event, Answer):
            return event
    raise AssertionError("no Answer event")


def test_a_model_failing_before_it_writes_falls_back_to_the_extractive_answer(
    prompts: Prompts,
) -> None:
    reply = AIMessage(content="Aave sets borrow rates from utilisation [1].")
    service = _service(prompts, FailingModel(messages=iter([reply]), good=0))
    final = anyio.run(_final, service, "How does Aave set borrow rates?")
    assert final.mode == "extractive"
    assert final.answer.startswith("Extractive answer (the language model was unavailable)")
    assert service.health.status() is not None  # readiness reports the failure


def test_a_model_failing_mid_stream_keeps_what_it_wrote_and_says_it_stopped(
    prompts: Prompts,
) -> None:
    reply = AIMessage(content="Aave sets borrow rates from the utilisation of each reserve [1].")
    service = _service(prompts, FailingModel(messages=iter([reply]), good=3))
    final = anyio.run(_final, service, "How does Aave set borrow rates?")
    assert final.mode == "llm"
    assert final.answer.endswith("[the language model stopped answering]")
    assert "the language model stopped before the end of the answer" in final.warnings


def test_a_bug_in_the_output_checks_is_not_taken_for_an_unavailable_model(
    prompts: Prompts, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(self: object, text: str) -> str:
        raise ValueError("a bug in the project's own code")

    monkeypatch.setattr("app.rag.output.OutputFilter.feed", broken)
    reply = AIMessage(content="Aave sets borrow rates from utilisation [1].")
    service = _service(prompts, LoggingModel(messages=iter([reply])))
    with pytest.raises(ValueError, match="project's own code"):
        anyio.run(_final, service, "How does Aave set borrow rates?")
    assert service.health.status() is None  # the model is not marked as failing


def test_the_model_deadline_counts_only_the_wait_for_each_chunk() -> None:
    service = AnswerService.__new__(AnswerService)
    service.timeout_s = 0.05

    async def model() -> AsyncIterator[str]:
        for word in ("one", "two", "three"):
            yield word

    async def slow_reader() -> list[str]:
        got = []
        async for chunk in service._within_deadline(model()):
            got.append(chunk)
            await anyio.sleep(0.2)  # the checks between chunks are not the model's time
        return got

    assert anyio.run(slow_reader) == ["one", "two", "three"]

    async def stalls() -> AsyncIterator[str]:
        yield "first"
        await anyio.Event().wait()  # never set: the endpoint hangs after one chunk
        yield "never"

    async def reader() -> list[str]:
        got = []
        with pytest.raises(ModelFailure):
            async for chunk in service._within_deadline(stalls()):
                got.append(chunk)
        return got

    assert anyio.run(reader) == ["first"]


def test_a_ledger_kept_by_another_process_is_read_off_the_event_loop(prompts: Prompts) -> None:
    from app.rag.leakledger import LeakLedger

    class OwnersLedger(LeakLedger):
        blocks = True  # as app/kb/store/remote.py's: a round trip to the store's owner

        def __init__(self) -> None:
            super().__init__()
            self.threads: list[int] = []

        def prior(self, keys: Any) -> Any:
            self.threads.append(threading.get_ident())
            return super().prior(keys)

    service = _service(prompts)
    service.ledger = ledger = OwnersLedger()

    async def main() -> int:
        await _final(service, "How does Aave set borrow rates?")
        return threading.get_ident()

    loop_thread = anyio.run(main)
    assert ledger.threads and loop_thread not in ledger.threads
