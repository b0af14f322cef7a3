"""The llm and self-instruct generators against the stand-in model on loopback: valid JSON,
malformed JSON, a partial batch and near-duplicate instructions."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from app.core.errors import UpstreamUnavailable
from bench.support.fake_llm import FakeLLM, build_app
from bench.support.server import serve
from finetune.build import BuildConfig, build
from finetune.card import read_records
from finetune.generators import Context
from finetune.generators.llm import LLMGenerator
from finetune.generators.self_instruct import SelfInstructGenerator, load_seeds
from finetune.journal import Journal
from tests.finetune.conftest import GENERATED_QUESTIONS

pytestmark = pytest.mark.integration


def items(*pairs: tuple[int, str]) -> str:
    return json.dumps(
        {"items": [{"chunk": n, "instruction": q, "answer": f"Answer to: {q}"} for n, q in pairs]}
    )


def prompts_of(fake: FakeLLM) -> list[str]:
    return [r["messages"][-1]["content"] for r in fake.requests]


def test_llm_batch_retried_then_completed(
    fake_llm: tuple[FakeLLM, str], make_ctx: Callable[..., Context], tmp_path: Path
) -> None:
    fake, url = fake_llm
    fake.replies = [
        "{not json",  # malformed: asked again
        # A partial batch in a code fence: chunk 3 is missing, and chunks 1 and 2 ask nearly
        # the same thing (the near-duplicate filter drops the second).
        "```json\n"
        + items(
            (1, "Which lending markets does the protocol in question run on Ethereum?"),
            (2, "Which lending markets does the protocol in question run on Ethereum today?"),
        )
        + "\n```",
        items((1, "What happened to the bridge validators in that incident?")),  # chunk 3 alone
    ]
    ctx = make_ctx(url, batch_size=3)
    out = tmp_path / "ds"
    result = asyncio.run(build(BuildConfig(out=out, generators=[("llm", 3)], validation=0), ctx))
    prompts = prompts_of(fake)
    assert len(prompts) == 3
    assert prompts[0] == prompts[1]  # the retry asks the same
    assert prompts[0].count("<chunk number=") == 3 and prompts[2].count("<chunk number=") == 1
    records = read_records(out)
    assert len(records) == 2
    assert result.generated["llm"] == 3
    assert result.stats["dropped"] == {"llm": {"near_duplicate": 1}}
    chunks = ctx.kb.by_id
    for r in records:
        assert r.provenance.model == "fake-model" and r.provenance.generator == "llm"
        (chunk_id,) = r.provenance.chunk_ids
        assert chunks[chunk_id].text in prompts[0]
        assert r.output == f"Answer to: {r.instruction}"


def test_llm_unparseable_batch_is_split_and_counted(
    fake_llm: tuple[FakeLLM, str], make_ctx: Callable[..., Context], tmp_path: Path
) -> None:
    fake, url = fake_llm
    fake.replies = [
        "nope",
        "still nope",  # two attempts: the batch is split
        items((1, "What does the first chunk describe in detail?")),
        "{}",
        '{"items": [{"chunk": 1}]}',  # the second chunk alone fails twice: counted, not lost
    ]
    ctx = make_ctx(url, batch_size=2, answer="chunk")
    journal = Journal(tmp_path / "llm.jsonl", {"t": 1})
    records, dropped = asyncio.run(LLMGenerator().generate(ctx, journal, 2))
    assert dropped == {"llm_unparseable_reply": 1}
    assert len(records) == 1 and len(fake.requests) == 5
    (chunk_id,) = records[0].provenance.chunk_ids
    assert records[0].output == ctx.kb.by_id[chunk_id].text  # --answer chunk


def test_self_instruct_filters_near_duplicates(
    fake_llm: tuple[FakeLLM, str], make_ctx: Callable[..., Context], tmp_path: Path
) -> None:
    fake, url = fake_llm
    seed = load_seeds()[3].instruction  # "Summarise how a flash loan works in two sentences."
    instance = json.dumps({"instances": [{"input": "", "output": "An example output."}]})
    label = json.dumps({"instances": [{"output": "bridge", "input": "Wormhole moved tokens."}]})
    fake.replies = [
        json.dumps(
            {
                "instructions": [
                    {"instruction": seed.replace("two", "three")},  # near a seed
                    {"instruction": "List the roles that can pause a stablecoin contract."},
                    {"instruction": "List the roles that can pause a stablecoin contract today."},
                    {"instruction": "Draw a graph of the DAI supply over time."},  # undoable
                    {
                        "instruction": "Classify this protocol as a bridge, a DEX or a lender.",
                        "is_classification": True,
                    },
                ]
            }
        ),
        instance,
        label,
        json.dumps(
            {
                "instructions": [
                    {"instruction": "List the roles who can pause a stablecoin contract."},
                    {"instruction": "Explain how a governance timelock protects token holders."},
                ]
            }
        ),
        instance,
    ]
    ctx = make_ctx(url)
    journal = Journal(tmp_path / "si.jsonl", {"t": 1})
    records, dropped = asyncio.run(SelfInstructGenerator().generate(ctx, journal, 3))
    assert [r.instruction for r in records] == [
        "List the roles that can pause a stablecoin contract.",
        "Classify this protocol as a bridge, a DEX or a lender.",
        "Explain how a governance timelock protects token holders.",
    ]
    assert dropped == {"self_instruct_near_duplicate": 3, "self_instruct_undoable": 1}
    prompts = prompts_of(fake)
    assert len(prompts) == 5
    assert "Come up with an example" in prompts[1]  # generation: input first
    assert "first pick one of its possible labels" in prompts[2]  # classification: output first
    assert records[1].output == "bridge" and records[1].input == "Wormhole moved tokens."
    # The second round shows kept machine-written tasks among its examples.
    assert "List the roles that can pause a stablecoin contract." in prompts[3]
    assert all(r.provenance.model == "fake-model" for r in records)


def test_model_down_stops_with_a_clear_error(
    fake_llm: tuple[FakeLLM, str], make_ctx: Callable[..., Context], tmp_path: Path
) -> None:
    fake, url = fake_llm
    fake.fail_status = 500
    config = BuildConfig(out=tmp_path / "ds", generators=[("llm", 2)])
    with pytest.raises(UpstreamUnavailable, match="run the same command again to resume"):
        asyncio.run(build(config, make_ctx(url, batch_size=2)))
    assert fake.requests and not (tmp_path / "ds" / "records.jsonl").exists()


@dataclass
class Counting(FakeLLM):
    """The stand-in, noting how many requests were waiting for their reply at once."""

    answered: int = 0
    most: int = 0

    def next_reply(self) -> str:
        self.most = max(self.most, len(self.requests) - self.answered)
        self.answered += 1
        return super().next_reply()


def test_calls_run_concurrently_within_the_limit(
    make_ctx: Callable[..., Context], tmp_path: Path
) -> None:
    questions = list(GENERATED_QUESTIONS)
    state = Counting(replies=[items((1, q)) for q in questions], delay_s=0.3)
    with serve(build_app(state)) as url:
        ctx = make_ctx(url + "/v1", batch_size=1)
        assert ctx.llm is not None
        ctx.llm.limit = asyncio.Semaphore(4)
        records, _ = asyncio.run(LLMGenerator().generate(ctx, Journal(tmp_path / "j", {}), 8))
    assert len(records) == 8
    assert 2 <= state.most <= 4
