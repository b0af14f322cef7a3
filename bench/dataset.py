"""Dataset building speed per generator against the stand-in model, and duplicates dropped.

Usage (from the repo root):
    .venv/bin/python -m bench.dataset                       # sample corpus x2, 50 ms model
    .venv/bin/python -m bench.dataset --copies 4 --latency-ms 200 --concurrency 16

The stand-in (bench/support/fake_llm.py, on loopback) answers every dataset prompt with valid
JSON built from the prompt; one instruction in every `--dup-every` is planted as a near-copy of
the one before, so the figures show how many of the planted duplicates the filter dropped.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import re
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

from app.core.settings import APISettings, EmbeddingSettings, LLMSettings, Settings, StoreSettings
from app.rag.llm import build_llm
from app.services import build_services
from bench.common import make_corpus
from bench.support.fake_llm import FakeLLM, build_app
from bench.support.server import serve
from finetune.build import BuildConfig, build
from finetune.generators import Context, Options
from finetune.kb import KnowledgeBase
from finetune.llm import LLMRunner
from finetune.prompts import DatasetPrompts
from ingest.pipeline import Pipeline

_WORD_TEXT = """
oracle bridge vault proxy liquidity staking collateral governance timelock upgrade
stablecoin peg redemption validator slashing rollup sequencer bytecode allowance
approval nonce gas fee auction liquidation reserve treasury emission vesting
airdrop snapshot delegate quorum multisig keeper relayer checkpoint merkle calldata
perpetual funding margin option strike premium swap pool router factory
mempool frontrunning sandwich slippage custody exchange wallet signature seed
"""
WORDS = _WORD_TEXT.split()
# Sentence frames: instructions from different frames share few words in order, as real ones do.
FRAMES = (
    "How does the {0} {1} relate to {2}",
    "List the risks a {0} {1} creates for {2} holders",
    "Compare {0} with {1} for a {2} designer",
    "Why would a {0} need a {1} before any {2}",
    "Write a checklist to audit the {0} of a {1} {2}",
    "Summarise what happens to {0} when a {1} {2} fails",
    "Classify each {0} as a {1} or a {2} risk",
    "Explain {0}, {1} and {2} to a new developer",
)


class ScriptedLLM(FakeLLM):
    """The stand-in, answering each request from its own prompt (requests are answered in the
    order they came, as every one waits the same delay)."""

    def __init__(self, delay_s: float, dup_every: int) -> None:
        super().__init__(delay_s=delay_s)
        self.answered = 0
        self.dup_every = dup_every
        self.planted: Counter[str] = Counter()
        self.made: Counter[str] = Counter()
        self.rng = random.Random(0)
        self.last = "Explain how a keeper triggers a liquidation"

    def instruction(self, kind: str) -> str:
        self.made[kind] += 1
        if self.made[kind] % self.dup_every == 0:
            self.planted[kind] += 1
            # A near-copy of the previous instruction: its last word changed.
            return self.last.rsplit(" ", 1)[0] + " " + self.rng.choice(WORDS) + "?"
        words = self.rng.sample(WORDS, 8)
        self.last = f"{self.rng.choice(FRAMES).format(*words)}, given {' '.join(words[3:])}"
        return self.last + "?"

    def next_reply(self) -> str:
        prompt = self.requests[self.answered]["messages"][-1]["content"]
        self.answered += 1
        if "<chunk number=" in prompt:
            n = len(re.findall(r"<chunk number=", prompt))
            items = [
                {"chunk": i, "instruction": self.instruction("llm"), "answer": f"Answer {i}."}
                for i in range(1, n + 1)
            ]
            return json.dumps({"items": items})
        if "task instructions" in prompt:
            new = [{"instruction": self.instruction("self-instruct")} for _ in range(8)]
            return json.dumps({"instructions": new})
        return json.dumps({"instances": [{"input": "", "output": "An example output."}]})


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--copies", type=int, default=2, help="copies of the sample corpus")
    parser.add_argument("--latency-ms", type=float, default=50)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--batch-size", type=int, default=4)
    parser.add_argument("--self-instruct", type=int, default=60, help="instructions to keep")
    parser.add_argument("--dup-every", type=int, default=5)
    args = parser.parse_args()
    state = ScriptedLLM(args.latency_ms / 1000, args.dup_every)
    with tempfile.TemporaryDirectory() as tmp, serve(build_app(state)) as url:
        corpus = Path(tmp) / "corpus"
        make_corpus(corpus, args.copies)
        settings = Settings(
            store=StoreSettings(data_dir=Path(tmp) / "data"),
            embedding=EmbeddingSettings(),
            llm=LLMSettings.model_validate({"base_url": f"{url}/v1", "model": "stand-in"}),
            api=APISettings(),
        )
        services = build_services(settings)
        try:
            Pipeline.from_services(services).ingest_paths([corpus])
            for n in range(40):  # rated answers for the feedback generator
                q = f"Question {n} about {WORDS[n % len(WORDS)]}?"
                # Bound to stand-in turn ids: only ratings of given answers make pairs.
                services.feedback.add("up", q, f"A good answer {n}.", turn_id=2 * n + 1)
                services.feedback.add("down", q, f"A bad answer {n}.", turn_id=2 * n + 2)
            llm = build_llm(settings.llm)
            assert llm is not None
            runner = LLMRunner(llm, "stand-in", concurrency=args.concurrency, backoff_s=0.05)
            ctx = Context(
                kb=KnowledgeBase.from_store(services.store),
                prompts=DatasetPrompts(settings.api.prompts_dir),
                options=Options(batch_size=args.batch_size, progress=False),
                llm=runner,
                retriever=services.retriever,
                service_prompts=services.prompts,
                feedback=services.feedback,
                onchain=services.answers.onchain,
            )
            gens: list[tuple[str, int | None]] = [
                ("templates", None),
                ("llm", None),
                ("rag", None),
                ("feedback", None),
                ("self-instruct", args.self_instruct),
            ]
            config = BuildConfig(out=Path(tmp) / "ds", generators=gens, formats=["alpaca"])
            result = asyncio.run(build(config, ctx))
        finally:
            services.close()
    report(args, ctx, result, state, runner)


def report(args: Any, ctx: Context, result: Any, state: ScriptedLLM, runner: LLMRunner) -> None:
    """The figures, one line per generator."""
    print(
        f"{len(ctx.kb.chunks)} chunks in {len(ctx.kb.by_document())} documents; stand-in latency "
        f"{args.latency_ms:.0f} ms, concurrency {args.concurrency}, batch {args.batch_size}"
    )
    print(f"{'generator':<14} {'records':>7} {'seconds':>8} {'records/s':>10}")
    for name, seconds in result.seconds.items():
        n = result.generated[name]
        print(f"{name:<14} {n:>7} {seconds:>8.2f} {n / seconds:>10.1f}")
    print(f"LLM calls {runner.stats.calls}, unusable replies {runner.stats.bad_replies}")
    dropped = result.stats["dropped"]
    for name in ("llm", "self-instruct"):
        d = dropped.get(name, {})
        near = d.get("near_duplicate", 0) + d.get("self_instruct_near_duplicate", 0)
        print(
            f"{name}: {state.made[name]} instructions written, {state.planted[name]} of them "
            f"planted near-copies; dropped as near-duplicates {near}, "
            f"exact {d.get('exact_duplicate', 0)}"
        )
    print(f"kept {result.stats['records']} records; dropped: {json.dumps(dropped)}")


if __name__ == "__main__":
    main()
