"""The local model's batching engine: concurrent streams decoded together give each request its
solo greedy text, a cancelled stream is dropped while the others go on, and a failing forward
ends the streams with an error instead of leaving their readers waiting."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import torch

from app.rag.local_batch import BatchEngine, LocalGenerationError, Stream
from tests.support.gated_model import Gated

QUESTIONS = [
    "What is USDC?",
    "Convex boosts Curve rewards for CRV stakers who lock their tokens with it",
    "WETH",
    "Does Balancer's Vault charge a flash-loan fee when a loan is repaid in the same transaction?",
]
NEW = 24


@pytest.fixture(scope="module")
def loaded(tiny_model: Path) -> tuple[Any, Any]:
    from transformers import AutoModelForCausalLM, AutoTokenizer

    model = AutoModelForCausalLM.from_pretrained(tiny_model).eval()
    return model, AutoTokenizer.from_pretrained(tiny_model)


@pytest.fixture(scope="module")
def prompts(loaded: tuple[Any, Any]) -> list[list[int]]:
    tokenizer = loaded[1]
    return [tokenizer(q)["input_ids"] for q in QUESTIONS]


@pytest.fixture(scope="module")
def solo(loaded: tuple[Any, Any], prompts: list[list[int]]) -> list[str]:
    """Each prompt's greedy text from transformers' own generate, one at a time."""
    model, tokenizer = loaded
    texts = []
    for ids in prompts:
        out = model.generate(
            torch.tensor([ids]), max_new_tokens=NEW, do_sample=False, eos_token_id=None
        )
        texts.append(tokenizer.decode(out[0, len(ids) :], skip_special_tokens=True))
    return texts


@contextmanager
def engine(model: Any, tokenizer: Any, layout: str, **options: Any) -> Iterator[BatchEngine]:
    built = BatchEngine(model, tokenizer, layout=layout, **options)
    try:
        yield built
    finally:
        built.close()


def take(stream: Stream, n: int) -> str:
    """The next n pieces of a stream (each waits for its token)."""
    return "".join(next(stream) for _ in range(n))


@pytest.mark.parametrize("layout", ["growing", "fixed"])
def test_each_request_alone_gives_generates_greedy_text(
    loaded: tuple[Any, Any], prompts: list[list[int]], solo: list[str], layout: str
) -> None:
    with engine(*loaded, layout, columns=128) as built:
        alone = ["".join(built.submit(ids, NEW)) for ids in prompts]
        assert alone == solo
        assert built.stats.rows == {1: len(prompts) * (NEW - 1)}  # the first comes from prefill


@pytest.mark.parametrize("layout", ["growing", "fixed"])
@pytest.mark.parametrize(
    ("first", "late"),
    [
        ((1, 0), (3, 2)),  # the longest prompt joins late: the rows move right to take it
        ((3, 1), (0, 2)),  # it goes first: when it ends, the columns it alone used are dropped
    ],
)
def test_concurrent_streams_batch_and_each_equals_its_solo_text(
    loaded: tuple[Any, Any],
    prompts: list[list[int]],
    solo: list[str],
    layout: str,
    first: tuple[int, int],
    late: tuple[int, int],
) -> None:
    gated = Gated(loaded[0])
    # FixedKV as narrow as the longest request: the late rows outgrow it and it must shift.
    columns = max(len(p) for p in prompts) + NEW
    with engine(gated, loaded[1], layout, columns=columns) as built:
        early = [built.submit(prompts[i], NEW) for i in first]
        gated.permits.release(1)  # the prefill of both
        texts = [take(s, 1) for s in early]
        gated.permits.release(4)  # four decode steps of the two
        texts = [t + take(s, 4) for t, s in zip(texts, early, strict=True)]
        joining = [built.submit(prompts[i], NEW) for i in late]  # while the two decode
        gated.open()
        streams = [*early, *joining]
        texts = [t + "".join(s) for t, s in zip([*texts, "", ""], streams, strict=True)]

        assert texts == [solo[i] for i in (*first, *late)]
        assert all(s.tokens == NEW for s in streams)
        stats = built.stats
        assert stats.prefills == 2 and stats.rows[4] > 0  # the late two joined in one prefill
        # Fewer forwards than one request at a time (4 prefills and 4 x 23 decode steps).
        assert stats.prefills + stats.steps < len(prompts) * NEW
        assert sum(n * steps for n, steps in stats.rows.items()) + 4 == len(prompts) * NEW


@pytest.mark.parametrize("layout", ["growing", "fixed"])
def test_a_cancelled_stream_is_dropped_and_the_others_go_on(
    loaded: tuple[Any, Any], prompts: list[list[int]], solo: list[str], layout: str
) -> None:
    gated = Gated(loaded[0])
    with engine(gated, loaded[1], layout, columns=128) as built:
        leaving, staying = built.submit(prompts[0], NEW), built.submit(prompts[1], NEW)
        gated.permits.release(1)  # the prefill: both have their first token
        take(leaving, 1)
        kept = take(staying, 1)
        gated.arrived.acquire()  # the prefill's
        gated.arrived.acquire()  # the first decode step's, with both rows: it waits
        leaving.cancel()
        gated.open()

        assert kept + "".join(staying) == solo[1]
        "".join(leaving)  # it ends (with any half character held back)
        assert leaving.tokens == 1
        # The step under way carried both; every later one only the stream still read.
        assert built.stats.rows == {2: 1, 1: NEW - 2}


@pytest.mark.parametrize("layout", ["growing", "fixed"])
@pytest.mark.parametrize("fail_at", [1, 3])  # the prefill, a decode step
def test_a_failing_forward_ends_its_streams_with_an_error_and_the_engine_goes_on(
    loaded: tuple[Any, Any],
    prompts: list[list[int]],
    solo: list[str],
    layout: str,
    fail_at: int,
) -> None:
    gated = Gated(loaded[0], fail_at=fail_at)
    with engine(gated, loaded[1], layout, columns=128) as built:
        streams = [built.submit(ids, NEW) for ids in prompts[:2]]
        gated.open()
        for stream in streams:
            with pytest.raises(LocalGenerationError, match="out of memory"):
                "".join(stream)
            assert stream.tokens == (fail_at - 1)  # what came before the failure came through

        assert "".join(built.submit(prompts[2], NEW)) == solo[2]


def test_sampling_follows_each_requests_temperature(
    loaded: tuple[Any, Any], prompts: list[list[int]], solo: list[str]
) -> None:
    with engine(*loaded, "growing") as built:
        torch.manual_seed(0)
        greedy, hot = built.submit(prompts[0], NEW), built.submit(prompts[0], NEW, 5.0)
        assert "".join(greedy) == solo[0]
        assert "".join(hot) != solo[0]  # at temperature 5 a random model's text is noise


def test_a_stop_token_ends_the_answer_without_being_streamed(
    loaded: tuple[Any, Any], prompts: list[list[int]]
) -> None:
    model, tokenizer = loaded
    ids = prompts[0]
    out = model.generate(torch.tensor([ids]), max_new_tokens=3, do_sample=False, eos_token_id=None)
    greedy = out[0, len(ids) :].tolist()
    stop = greedy[2]
    with engine(model, tokenizer, "growing") as built:
        stream = built.submit(ids, NEW, stop_ids={stop})
        text = "".join(stream)
        before = greedy.index(stop)  # the stop token itself is never streamed
        assert stream.tokens == before
        assert text == tokenizer.decode(greedy[:before], skip_special_tokens=True)


def test_a_closed_engine_ends_waiting_streams_and_refuses_new_ones(
    loaded: tuple[Any, Any], prompts: list[list[int]]
) -> None:
    gated = Gated(loaded[0])
    built = BatchEngine(gated, loaded[1])
    stream = built.submit(prompts[0], NEW)
    closing = threading.Thread(target=built.close)
    closing.start()
    gated.open()  # the engine finishes the forward it is in, then sees the close
    closing.join()
    with pytest.raises(LocalGenerationError, match="closed"):
        "".join(stream)
    with pytest.raises(RuntimeError, match="closed"):
        built.submit(prompts[0], NEW)
