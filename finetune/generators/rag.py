"""Records in the service's own format: its hidden system prompt with the retrieved context,
the question, and an answer that cites [n] (or says the knowledge base does not cover it)."""

from __future__ import annotations

import hashlib
import random
from collections import Counter
from typing import Any, ClassVar

from app.chain.facts import ContractFacts
from app.i18n.language import detect
from app.kb.models import Chunk, ScoredChunk
from app.kb.retriever import Retrieval, Retriever
from app.rag.address_answer import AddressEvidence, onchain_prompt
from app.rag.answer import in_language
from app.rag.context import Source, build_context, number_sources
from app.rag.grounding import addresses_in
from app.rag.onchain import OnchainFacts, onchain_sources
from app.rag.prompts import Prompts
from finetune.generators.base import Context, Work, run_units
from finetune.journal import Journal
from finetune.records import Provenance, Record

# The system prompt's {canary} is a random per-process marker in the service; a dataset needs
# a fixed value, so that every record shows the model the same prompt.
CANARY = "dataset"
SOURCES = ("templates", "llm")  # the generators whose question/answer pairs rag reuses
UNIT = 32


async def service_messages(
    prompts: Prompts,
    question: str,
    retrieval: Retrieval,
    hits: list[ScoredChunk],
    onchain: OnchainFacts | None = None,
) -> tuple[str, str, list[Source]]:
    """The system and user messages the answer chain builds for these hits (no history), step
    by step as app/rag/answer.py does, and the numbered sources."""
    shown = Retrieval(hits=hits, addresses=retrieval.addresses, chains=retrieval.chains)
    kb_sources = number_sources(hits)
    warnings = list(shown.warnings)
    facts: list[ContractFacts] = []
    if onchain is not None:
        facts, failed = await onchain.lookup(shown, None)
        warnings += failed
        warnings += [f"{f.address}: {w}" for f in facts for w in f.warnings]
    sources = kb_sources + onchain_sources(facts, len(kb_sources) + 1)
    messages = prompts.chat.format_messages(
        context=build_context(hits, kb_sources, prompts),
        onchain=onchain_prompt(
            AddressEvidence(question, shown, facts, sources, warnings), onchain, prompts
        ),
        question=question,
        history=[],
        canary=CANARY,
    )
    # As the chain tells the model: answer in the question's language.
    return in_language(messages[0].text, prompts, detect(question)), messages[-1].text, kb_sources


def cite(answer: str, n: int) -> str:
    """The answer with its source's number after its last statement."""
    text = answer.rstrip()
    return f"{text[:-1]} [{n}]." if text.endswith(".") else f"{text} [{n}]"


def right_chunk(record: Record, chunks: dict[str, Chunk]) -> Chunk | None:
    """The chunk that answers a record: the one naming the answer's addresses, else the first."""
    own = [chunks[i] for i in record.provenance.chunk_ids if i in chunks]
    wanted = {a.lower() for a in addresses_in(record.output)}
    for c in own:
        if wanted & {a.lower() for a in c.addresses + addresses_in(c.text)}:
            return c
    return own[0] if own else None


class RagWriter:
    """One record per question/answer pair, answerable or not."""

    def __init__(self, ctx: Context, retriever: Retriever, prompts: Prompts) -> None:
        self.ctx = ctx
        self.retriever = retriever
        self.prompts = prompts
        self.top_k = ctx.options.top_k
        self.chunks = ctx.kb.by_id

    async def write(self, pairs: list[Record]) -> Work:
        """Records for a slice of pairs; the seed fixes where the right chunk lands."""
        out: list[Record] = []
        dropped: Counter[str] = Counter()
        for pair in pairs:
            chunk = right_chunk(pair, self.chunks)
            if chunk is None:
                dropped["rag_source_chunk_missing"] += 1
                continue
            rng = random.Random(f"{self.ctx.options.seed}:rag:{pair.id}")
            if rng.random() < self.ctx.options.unanswerable:
                out.append(await self._unanswerable(pair, chunk))
            else:
                out.append(await self._answerable(pair, chunk, rng))
        return out, dropped

    async def _answerable(self, pair: Record, chunk: Chunk, rng: random.Random) -> Record:
        question = pair.instruction
        retrieval = self.retriever.retrieve(question, self.top_k)
        hits = list(retrieval.hits)
        placed = "retrieved"
        if not any(h.chunk.doc_id == chunk.doc_id for h in hits):
            # The retriever missed it: the right chunk among its distractors, at a seeded place.
            hits = hits[: self.top_k - 1]
            hits.insert(rng.randint(0, len(hits)), ScoredChunk(chunk=chunk, score=0.0))
            placed = "inserted"
        system, user, sources = await service_messages(
            self.prompts, question, retrieval, hits, self.ctx.onchain
        )
        n = next(s.index for s in sources if s.doc_id == chunk.doc_id)
        return self._record(system, user, cite(pair.output, n), hits, chunk, f"{placed} [{n}]")

    async def _unanswerable(self, pair: Record, chunk: Chunk) -> Record:
        question = pair.instruction
        retrieval = self.retriever.retrieve(question, self.top_k * 4)
        named = {a.lower() for a in addresses_in(f"{question}\n{pair.output}")}
        # Neither the right document nor any chunk naming the addresses asked about.
        hits = [
            h
            for h in retrieval.hits
            if h.chunk.doc_id != chunk.doc_id
            and not named & {a.lower() for a in h.chunk.addresses + addresses_in(h.chunk.text)}
        ][: self.top_k]
        system, user, _ = await service_messages(
            self.prompts, question, retrieval, hits, self.ctx.onchain
        )
        answer = self.ctx.prompts.render("dataset_rag_unanswerable")
        return self._record(system, user, answer, hits, chunk, "unanswerable")

    def _record(
        self, system: str, user: str, output: str, hits: list[ScoredChunk], chunk: Chunk, how: str
    ) -> Record:
        return Record(
            system=system,
            instruction=user,
            output=output,
            provenance=Provenance(
                generator=RagGenerator.name,
                chunk_ids=[h.chunk.id for h in hits],
                doc_ids=sorted({h.chunk.doc_id for h in hits}),
                sources=sorted({h.chunk.source for h in hits}),
                doc=chunk.doc_id,
                doc_source=chunk.source,
                detail=how,
            ),
        )


class RagGenerator:
    """The question/answer pairs of the earlier generators, put in the service's prompt."""

    name: ClassVar[str] = "rag"
    needs_llm: ClassVar[bool] = False

    async def generate(self, ctx: Context, journal: Journal, count: int | None) -> Work:
        """count: how many records (default: one per earlier single-turn pair)."""
        assert ctx.retriever is not None and ctx.service_prompts is not None
        pairs = [
            r
            for g in SOURCES
            for r in ctx.earlier.get(g, [])
            if not r.history and not r.input and r.provenance.detail != "other chains"
        ]
        random.Random(f"{ctx.options.seed}:rag").shuffle(pairs)
        pairs = pairs[:count] if count is not None else pairs
        writer = RagWriter(ctx, ctx.retriever, ctx.service_prompts)

        def work(part: list[Record]) -> Any:
            return lambda: writer.write(part)

        units = []
        for i in range(0, len(pairs), UNIT):
            part = pairs[i : i + UNIT]
            key = hashlib.sha256("".join(r.id for r in part).encode()).hexdigest()[:16]
            units.append((f"pairs:{key}", work(part)))
        return await run_units(self.name, units, journal, ctx.options.progress)
