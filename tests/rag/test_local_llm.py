"""The fine-tuned local model served behind the same retriever, prompt, checks and routes, and
its LangChain adapter: concurrent readers share the engine, a reader that leaves stops its
generation, a failed generation raises."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from langchain_core.messages import HumanMessage, SystemMessage

from app.api.app import create_app
from app.core.errors import ConfigError
from app.rag.local_batch import BatchEngine, LocalGenerationError, Stream
from app.rag.local_llm import LocalChatModel
from app.services import Services
from bench.support.server import serve
from finetune.training.tiny import DEMO_FACTS, DEMO_SYSTEM, build_tiny_model, corpus_texts
from tests.support.answer_routes import ROUTES, ask
from tests.support.gated_model import Gated
from tests.support.tiny_model import SAMPLE

NEW = 20


def test_local_model_answers_on_every_route_with_sources(
    sample_services: Callable[..., Services], tiny_model: Path, tiny_adapter: Path
) -> None:
    services = sample_services(
        provider="local",
        local_model=tiny_model,
        local_adapter=tiny_adapter / "adapter",
        max_tokens=12,
        temperature=0,
    )
    with serve(create_app(services.settings, services)) as url:
        for route in ROUTES:
            text, meta = ask(url, route, "Can I turn cvxCRV back into CRV?")
            assert text.strip(), route  # the tiny model says something, through the checks
            if route.startswith("chat"):
                assert meta["mode"] == "llm", route
            sources = meta["sources"]
            assert sources and sources[0]["source"] == "convex.md", route  # type: ignore[index]


def test_a_missing_model_or_a_foreign_adapter_stops_the_start(
    services_factory: Callable[..., Services],
    tiny_model: Path,
    tiny_adapter: Path,
    tmp_path: Path,
) -> None:
    with pytest.raises(ConfigError, match=r"CRYPTORAG_LOCAL_MODEL=.*no model there"):
        services_factory(provider="local", local_model=tmp_path / "nowhere")
    other = build_tiny_model(tmp_path / "other-base", corpus_texts(SAMPLE), 512, hidden=32)
    with pytest.raises(ConfigError, match="does not fit CRYPTORAG_LOCAL_MODEL"):
        services_factory(
            provider="local", local_model=other, local_adapter=tiny_adapter / "adapter"
        )


class Recording(BatchEngine):
    """The engine, keeping each stream it hands out and saying when one is submitted."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.streams: list[Stream] = []
        self.submitted = threading.Semaphore(0)

    def submit(self, prompt: list[int], max_new_tokens: int, *args: Any, **kw: Any) -> Stream:
        stream = super().submit(prompt, max_new_tokens, *args, **kw)
        self.streams.append(stream)
        self.submitted.release()
        return stream


@pytest.fixture(scope="module")
def loaded(tiny_model: Path) -> tuple[Any, Any]:
    from transformers import AutoModelForCausalLM, AutoTokenizer

    model = AutoModelForCausalLM.from_pretrained(tiny_model).eval()
    return model, AutoTokenizer.from_pretrained(tiny_model)


@pytest.fixture
def endless(loaded: tuple[Any, Any]) -> Iterator[tuple[Any, Any]]:
    """The model with no stop token (as bench.gpu runs it): a random model's answers then run
    to their cap instead of ending wherever it happens to say its end token."""
    config = loaded[0].generation_config
    saved, config.eos_token_id = config.eos_token_id, None
    yield loaded
    config.eos_token_id = saved


@contextmanager
def chat(model: Any, tokenizer: Any) -> Iterator[tuple[LocalChatModel, Recording]]:
    engine = Recording(model, tokenizer)
    try:
        yield (
            LocalChatModel(engine=engine, tokenizer=tokenizer, max_new_tokens=NEW, temperature=0),
            engine,
        )
    finally:
        engine.close()


def messages(question: str) -> list[Any]:
    return [SystemMessage(DEMO_SYSTEM), HumanMessage(question)]


QUESTIONS = [q for q, _ in DEMO_FACTS[:4]]


def answered_alone(model: Any, tokenizer: Any) -> list[str]:
    """Each of QUESTIONS answered as the only one asked: what answers asked together must match."""
    with chat(model, tokenizer) as (llm, _):
        return [llm.invoke(messages(q)).text for q in QUESTIONS]


def test_concurrent_readers_are_answered_together_as_each_alone(
    endless: tuple[Any, Any],
) -> None:
    model, tokenizer = endless
    alone = answered_alone(model, tokenizer)
    gated = Gated(model)
    with chat(gated, tokenizer) as (llm, engine):
        with ThreadPoolExecutor(len(QUESTIONS)) as pool:
            answers = [pool.submit(llm.invoke, messages(q)) for q in QUESTIONS]
            for _ in QUESTIONS:  # all four asked before the model runs (a guard, not a pace)
                assert engine.submitted.acquire(timeout=60), [a.exception() for a in answers]
            gated.open()
            together = [a.result().text for a in answers]
        assert together == alone
        assert max(engine.stats.rows) == len(QUESTIONS)  # decoded in one batch


def test_readers_on_one_event_loop_are_answered_together_with_no_thread_each(
    endless: tuple[Any, Any],
) -> None:
    model, tokenizer = endless
    alone = answered_alone(model, tokenizer)

    async def ask_all(llm: LocalChatModel) -> tuple[list[str], int]:
        async def one(question: str) -> str:
            return "".join([c.text async for c in llm.astream(messages(question))])

        answers = await asyncio.gather(*(one(q) for q in QUESTIONS))
        return answers, threading.active_count()  # before the loop's executor shuts down

    def open_when_all_asked() -> None:
        for _ in QUESTIONS:
            engine.submitted.acquire()
        gated.open()

    gated = Gated(model)
    with chat(gated, tokenizer) as (llm, engine):
        opener = threading.Thread(target=open_when_all_asked)
        opener.start()
        before = threading.active_count()
        together, during = asyncio.run(ask_all(llm))
        opener.join()
        assert together == alone
        assert max(engine.stats.rows) == len(QUESTIONS)
        assert during <= before  # no executor thread waiting for each reader's tokens


def test_an_async_reader_cancelled_by_its_deadline_cancels_its_generation(
    endless: tuple[Any, Any],
) -> None:
    async def read_until_cancelled(llm: LocalChatModel) -> None:
        async def read() -> None:
            async for _ in llm.astream(messages("What is USDC?")):
                reading.set()

        reading = asyncio.Event()
        task = asyncio.create_task(read())
        await reading.wait()
        task.cancel()  # what anyio.fail_after does to a reader past its deadline
        with contextlib.suppress(asyncio.CancelledError):
            await task

    with chat(*endless) as (llm, engine):
        asyncio.run(read_until_cancelled(llm))
        assert [s.cancelled for s in engine.streams] == [True]


def test_a_reader_that_leaves_cancels_its_generation(endless: tuple[Any, Any]) -> None:
    with chat(*endless) as (llm, engine):
        chunks = llm.stream(messages("What is USDC?"))
        next(chunks)
        chunks.close()  # the client went away
        assert [s.cancelled for s in engine.streams] == [True]


def test_a_failed_generation_raises_instead_of_ending_the_answer(
    endless: tuple[Any, Any],
) -> None:
    model, tokenizer = endless
    gated = Gated(model, fail_at=3)
    gated.open()
    with (
        chat(gated, tokenizer) as (llm, _),
        pytest.raises(LocalGenerationError, match="out of memory"),
    ):
        llm.invoke(messages("What is USDC?"))


def test_the_stop_tokens_are_the_generation_configs_at_each_request(
    endless: tuple[Any, Any],
) -> None:
    model, tokenizer = endless
    with chat(model, tokenizer) as (llm, engine):
        llm.invoke(messages("What is USDC?"))
        assert engine.streams[0].tokens == NEW  # no stop token: the answer runs to its cap
        prompt = llm._inputs(messages("What is USDC?"), NEW)["input_ids"]
        first = model.generate(prompt, max_new_tokens=1, do_sample=False)[0, -1]
        model.generation_config.eos_token_id = [int(first)]
        assert llm.invoke(messages("What is USDC?")).text == ""
        assert engine.streams[1].tokens == 0
