"""What every generator gets, and the loop that runs its units with resume and progress."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar, Protocol

from tqdm import tqdm

from finetune.journal import Journal
from finetune.kb import KnowledgeBase
from finetune.prompts import DatasetPrompts
from finetune.records import Record

if TYPE_CHECKING:
    from app.feedback.store import FeedbackStore
    from app.kb.retriever import Retriever
    from app.rag.onchain import OnchainFacts
    from app.rag.prompts import Prompts
    from finetune.llm import LLMRunner

Work = tuple[list[Record], Counter[str]]


@dataclass
class Options:
    """Generator settings from the command line."""

    seed: int = 0
    batch_size: int = 4
    per_chunk: int = 1
    answer: str = "model"  # "model": the model writes it; "chunk": the chunk itself
    unanswerable: float = 0.2
    top_k: int = 5
    rounds: int = 50
    progress: bool = True


@dataclass
class Context:
    """The heavy objects, built once by the caller, and the records written so far."""

    kb: KnowledgeBase
    prompts: DatasetPrompts
    options: Options
    llm: LLMRunner | None = None
    retriever: Retriever | None = None
    service_prompts: Prompts | None = None
    # The service's on-chain helper: the address block reads the curated token list through it
    # (no live lookups are made for a dataset: their block numbers would go stale).
    onchain: OnchainFacts | None = None
    feedback: FeedbackStore | None = None
    # Records of the generators that ran before, by generator name (rag and self-instruct
    # build on them).
    earlier: dict[str, list[Record]] = field(default_factory=dict)


class Generator(Protocol):
    """Writes records into its journal; a rerun skips the units the journal has."""

    name: ClassVar[str]
    needs_llm: ClassVar[bool]

    async def generate(self, ctx: Context, journal: Journal, count: int | None) -> Work:
        """The records (and drop counts) of this run, resumed from the journal."""
        ...


async def run_units(
    name: str,
    units: list[tuple[str, Callable[[], Awaitable[Work]]]],
    journal: Journal,
    progress: bool,
) -> Work:
    """Run the units the journal lacks, concurrently (the LLM runner bounds the calls), writing
    each to the journal as it finishes; then every unit's records in plan order."""
    todo = [(u, fn) for u, fn in units if not journal.done(u)]
    bar = tqdm(
        total=len(units),
        initial=len(units) - len(todo),
        desc=name,
        unit="unit",
        disable=not progress,
    )

    async def one(unit: str, fn: Callable[[], Awaitable[Work]]) -> None:
        records, dropped = await fn()
        journal.write(unit, records, dropped)
        bar.update(1)

    try:
        await asyncio.gather(*(one(u, fn) for u, fn in todo))
    finally:
        bar.close()
    return journal.collect([u for u, _ in units])
