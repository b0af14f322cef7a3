"""Instructions written by the model for batches of chunks, one or more per chunk (the
LLM-Twin DatasetGenerator form); malformed or partial batches are retried, then split."""

from __future__ import annotations

import hashlib
import random
from collections import Counter
from typing import Any, ClassVar

from pydantic import BaseModel, Field

from app.kb.models import Chunk
from app.rag.context import sanitise
from finetune.generators.base import Context, Work, run_units
from finetune.journal import Journal
from finetune.llm import BadReply, LLMRunner
from finetune.prompts import DatasetPrompts
from finetune.records import Provenance, Record

MIN_CHUNK_CHARS = 80  # shorter chunks (an unread card, a heading) answer nothing worth asking


class Item(BaseModel):
    """One instruction the model wrote for a chunk."""

    chunk: int = Field(ge=1)
    instruction: str = Field(min_length=8, max_length=2000)
    input: str = Field(default="", max_length=4000)
    answer: str | None = Field(default=None, max_length=8000)


class BatchReply(BaseModel):
    """The whole reply for a batch."""

    items: list[Item]


def batch_prompt(prompts: DatasetPrompts, chunks: list[Chunk], per_chunk: int, answer: str) -> str:
    """The prompt for one batch of chunks."""
    blocks = "\n\n".join(
        prompts.render(
            "dataset_chunk",
            number=n,
            title=sanitise(c.title, 200),
            source=sanitise(c.source, 200),
            text=sanitise(c.text),
        )
        for n, c in enumerate(chunks, 1)
    )
    rule = (
        ', and its answer in "answer", written only from the chunk'
        if answer == "model"
        else ' (leave "answer" out: the chunk itself will be the answer)'
    )
    return prompts.render(
        "dataset_llm", count=len(chunks), per_chunk=per_chunk, answer_rule=rule, chunks=blocks
    )


class BatchWriter:
    """Asks for one batch; a bad reply is retried, then the batch split until single chunks."""

    def __init__(self, ctx: Context, runner: LLMRunner) -> None:
        self.ctx = ctx
        self.runner = runner
        self.opts = ctx.options

    async def write(self, chunks: list[Chunk]) -> Work:
        """Records for every chunk of the batch; chunks that got none are counted, not lost."""
        dropped: Counter[str] = Counter()
        prompt = batch_prompt(self.ctx.prompts, chunks, self.opts.per_chunk, self.opts.answer)
        try:
            reply = await self.runner.ask_json(prompt, BatchReply)
        except BadReply:
            if len(chunks) == 1:
                dropped["llm_unparseable_reply"] += 1
                return [], dropped
            return await self._split(chunks)
        records: list[Record] = []
        covered: set[int] = set()
        for item in reply.items:
            if item.chunk > len(chunks):
                dropped["llm_unknown_chunk_number"] += 1
                continue
            chunk = chunks[item.chunk - 1]
            output = chunk.text if self.opts.answer == "chunk" else (item.answer or "").strip()
            if not output:
                dropped["llm_missing_answer"] += 1
                continue
            covered.add(item.chunk)
            records.append(self._record(item, chunk, output))
        missing = [c for n, c in enumerate(chunks, 1) if n not in covered]
        if not missing:
            return records, dropped
        if len(missing) < len(chunks):  # a partial batch: ask again for the rest
            more, more_dropped = await self.write(missing)
        elif len(chunks) > 1:
            more, more_dropped = await self._split(chunks)
        else:
            more, more_dropped = [], Counter({"llm_no_instruction": 1})
        return records + more, dropped + more_dropped

    async def _split(self, chunks: list[Chunk]) -> Work:
        half = len(chunks) // 2
        a, da = await self.write(chunks[:half])
        b, db = await self.write(chunks[half:])
        return a + b, da + db

    def _record(self, item: Item, chunk: Chunk, output: str) -> Record:
        return Record(
            instruction=item.instruction.strip(),
            input=item.input.strip(),
            output=output,
            provenance=Provenance(
                generator=LLMGenerator.name,
                model=self.runner.model,
                chunk_ids=[chunk.id],
                doc_ids=[chunk.doc_id],
                sources=[chunk.source],
                doc=chunk.doc_id,
                doc_source=chunk.source,
                detail=f"answer: {self.opts.answer}",
            ),
        )


def batches(chunks: list[Chunk], size: int) -> list[list[Chunk]]:
    """Consecutive batches of the given size."""
    return [chunks[i : i + size] for i in range(0, len(chunks), size)]


def unit_id(chunks: list[Chunk]) -> str:
    """A batch's journal key: the ids of its chunks."""
    return "batch:" + hashlib.sha256("\n".join(c.id for c in chunks).encode()).hexdigest()[:16]


class LLMGenerator:
    """Batches of chunks in, JSON-validated instructions out."""

    name: ClassVar[str] = "llm"
    needs_llm: ClassVar[bool] = True

    async def generate(self, ctx: Context, journal: Journal, count: int | None) -> Work:
        """count: how many chunks to write instructions for (all by default)."""
        assert ctx.llm is not None
        chunks = [c for c in ctx.kb.chunks if len(c.text) >= MIN_CHUNK_CHARS]
        random.Random(f"{ctx.options.seed}:llm").shuffle(chunks)
        chunks = chunks[:count] if count is not None else chunks
        writer = BatchWriter(ctx, ctx.llm)

        def work(batch: list[Chunk]) -> Any:
            return lambda: writer.write(batch)

        units = [(unit_id(b), work(b)) for b in batches(chunks, ctx.options.batch_size)]
        return await run_units(self.name, units, journal, ctx.options.progress)
