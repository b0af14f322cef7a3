"""Self-instruct: new instructions from a few sampled ones, then their instances (input first
for generation tasks, output first for classification), kept only when no kept instruction is
near (ROUGE-L F1 >= 0.7)."""

from __future__ import annotations

import asyncio
import json
import random
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from pydantic import BaseModel, Field

from finetune.generators.base import Context, Work
from finetune.journal import Journal
from finetune.llm import BadReply, LLMRunner
from finetune.records import Provenance, Record
from finetune.rouge import RougeL

SEEDS = Path(__file__).resolve().parents[1] / "seeds" / "crypto_tasks.jsonl"
HUMAN_EXAMPLES = 6  # the paper: 6 human-written and 2 machine-written tasks per prompt
MACHINE_EXAMPLES = 2
PER_ROUND = 8
# Tasks a text model cannot do (the paper's keyword filter), and instructions too short or long.
_UNDOABLE = (
    "image",
    "images",
    "graph",
    "graphs",
    "picture",
    "pictures",
    "file",
    "files",
    "map",
    "maps",
    "draw",
    "plot",
    "go to",
    "video",
    "audio",
)


class NewInstruction(BaseModel):
    """An instruction the model proposed."""

    instruction: str = Field(min_length=8, max_length=1000)
    is_classification: bool = False


class InstructionsReply(BaseModel):
    """The reply to the instruction prompt."""

    instructions: list[NewInstruction]


class Instance(BaseModel):
    """One input/output example of a task."""

    input: str = Field(default="", max_length=4000)
    output: str = Field(min_length=1, max_length=8000)


class InstancesReply(BaseModel):
    """The reply to an instance prompt."""

    instances: list[Instance] = Field(min_length=1)


@dataclass(frozen=True)
class Task:
    """A task of the pool: a seed or a kept machine-written one."""

    instruction: str
    input: str = ""
    output: str = ""
    is_classification: bool = False

    def example(self, n: int) -> str:
        """How the task appears among the prompt's examples."""
        return f"Task {n}: {self.instruction}"


def load_seeds(path: Path = SEEDS) -> list[Task]:
    """The hand-written seed tasks shipped in the repo."""
    tasks = []
    for line in path.read_text("utf-8").splitlines():
        if line.strip():
            d = json.loads(line)
            tasks.append(
                Task(
                    d["instruction"],
                    d.get("input", ""),
                    d.get("output", ""),
                    bool(d.get("is_classification")),
                )
            )
    return tasks


def doable(instruction: str) -> bool:
    """The paper's heuristics: 3 to 150 words, nothing a text model cannot do."""
    words = instruction.lower().split()
    if not 3 <= len(words) <= 150:
        return False
    text = f" {' '.join(words)} "
    return not any(f" {k} " in text for k in _UNDOABLE)


class SelfInstructGenerator:
    """Grows a pool of tasks round by round; each round is one unit of the journal."""

    name: ClassVar[str] = "self-instruct"
    needs_llm: ClassVar[bool] = True

    def __init__(self, seeds: list[Task] | None = None) -> None:
        self.seeds = seeds

    async def generate(self, ctx: Context, journal: Journal, count: int | None) -> Work:
        """count: how many new instructions to keep (default 50)."""
        assert ctx.llm is not None
        target = count if count is not None else 50
        seeds = self.seeds if self.seeds is not None else load_seeds()
        # Earlier generators' instructions join the pool as human-written examples.
        earlier = [
            Task(r.instruction, r.input, r.output)
            for records in ctx.earlier.values()
            for r in records
            if not r.history and not r.is_preference and r.provenance.generator != "rag"
        ]
        human = seeds + earlier
        rouge = RougeL()
        pool = [t.instruction for t in human]
        kept: list[Record] = []
        dropped: Counter[str] = Counter()
        units: list[str] = []
        for n in range(ctx.options.rounds):
            if len(kept) >= target:
                break
            unit = f"round:{n}"
            units.append(unit)
            if not journal.done(unit):
                rng = random.Random(f"{ctx.options.seed}:self-instruct:{n}")
                records, d = await self._round(ctx.llm, ctx, rng, human, kept, pool, rouge)
                journal.write(unit, records, d)
            records, d = journal.collect([unit])
            kept.extend(records)
            pool.extend(r.instruction for r in records)
            dropped.update(d)
        return kept[:target], dropped

    async def _round(
        self,
        runner: LLMRunner,
        ctx: Context,
        rng: random.Random,
        human: list[Task],
        kept: list[Record],
        pool: list[str],
        rouge: RougeL,
    ) -> Work:
        dropped: Counter[str] = Counter()
        machine = [Task(r.instruction) for r in kept]
        examples = rng.sample(human, min(HUMAN_EXAMPLES, len(human)))
        examples += rng.sample(machine, min(MACHINE_EXAMPLES, len(machine)))
        rng.shuffle(examples)
        prompt = ctx.prompts.render(
            "dataset_self_instruct_instructions",
            count=PER_ROUND,
            examples="\n".join(t.example(i) for i, t in enumerate(examples, 1)),
        )
        try:
            reply = await runner.ask_json(prompt, InstructionsReply)
        except BadReply:
            dropped["self_instruct_unparseable_reply"] += 1
            return [], dropped
        fresh: list[NewInstruction] = []
        seen = list(pool)
        for new in reply.instructions:
            text = " ".join(new.instruction.split())
            if not doable(text):
                dropped["self_instruct_undoable"] += 1
            elif rouge.nearest(text, seen) is not None:
                dropped["self_instruct_near_duplicate"] += 1
            else:
                fresh.append(new.model_copy(update={"instruction": text}))
                seen.append(text)
        evidence = [f"{t.instruction}\n{t.input}\n{t.output}" for t in examples]
        results = await asyncio.gather(
            *(self._instance(runner, ctx, new, evidence) for new in fresh)
        )
        records = []
        for result in results:
            if isinstance(result, Record):
                records.append(result)
            else:
                dropped[result] += 1
        return records, dropped

    async def _instance(
        self, runner: LLMRunner, ctx: Context, new: NewInstruction, evidence: list[str]
    ) -> Record | str:
        template = (
            "dataset_self_instruct_output_first"
            if new.is_classification
            else "dataset_self_instruct_input_first"
        )
        try:
            reply = await runner.ask_json(
                ctx.prompts.render(template, instruction=new.instruction), InstancesReply
            )
        except BadReply:
            return "self_instruct_unparseable_instance"
        inst = reply.instances[0]
        return Record(
            instruction=new.instruction,
            input=inst.input.strip(),
            output=inst.output.strip(),
            evidence=evidence,
            provenance=Provenance(
                generator=self.name,
                model=runner.model,
                detail="classification" if new.is_classification else "generation",
            ),
        )
