"""rag records hold exactly what the answer chain puts in front of the model: the same system
prompt, the same context formatting, the question as the user turn."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from app.core.settings import LLMSettings
from app.kb.models import ScoredChunk
from app.kb.retriever import Retrieval, Retriever
from app.rag.answer import AnswerService
from app.rag.grounding import addresses_in
from app.rag.llm import build_llm
from app.services import Services
from bench.support.fake_llm import FakeLLM
from finetune.build import BuildConfig, build
from finetune.card import read_records
from finetune.generators import Context
from finetune.generators.rag import CANARY, service_messages
from finetune.records import Record

pytestmark = pytest.mark.integration


def _rag(ctx: Context, out: Path) -> list[Record]:
    config = BuildConfig(out=out, generators=[("templates", None), ("rag", None)], validation=0)
    asyncio.run(build(config, ctx))
    return [r for r in read_records(out) if r.provenance.generator == "rag"]


class Recording:
    """The service's retriever, remembering what it returned (ties may come back reordered
    between two calls, so the comparison uses the very retrieval the chain used)."""

    def __init__(self, retriever: Retriever) -> None:
        self.retriever = retriever
        self.store = retriever.store  # the answer chain reads documents by address from it
        self.english = retriever.english  # and reads a question in the documents' words
        self.last: Retrieval | None = None

    def retrieve(self, *args: Any, **kwargs: Any) -> Retrieval:
        self.last = self.retriever.retrieve(*args, **kwargs)
        return self.last


def test_records_match_the_answer_chain(
    fake_llm: tuple[FakeLLM, str],
    make_ctx: Callable[..., Context],
    kb_services: Services,
    tmp_path: Path,
) -> None:
    fake, url = fake_llm
    ctx = make_ctx(unanswerable=0.0)
    records = _rag(ctx, tmp_path / "ds")
    retrieved = [r for r in records if (r.provenance.detail or "").startswith("retrieved")]
    assert len(retrieved) >= 5
    prompts, onchain = kb_services.prompts, kb_services.answers.onchain
    recording = Recording(kb_services.retriever)
    llm = build_llm(LLMSettings(base_url=url, model="fake-model"))
    service = AnswerService(
        recording,  # type: ignore[arg-type]
        kb_services.embedder,
        prompts,
        llm,
        top_k=kb_services.settings.api.chat_top_k,
        onchain=onchain,
    )
    chunks = ctx.kb.by_id

    async def check_all() -> None:  # one event loop: the model's async client is bound to it
        for r in retrieved:
            q = r.instruction
            # The record is what service_messages makes of the hits it shows...
            hits = [ScoredChunk(chunk=chunks[i], score=0.0) for i in r.provenance.chunk_ids]
            shown = kb_services.retriever.retrieve(q, 5)
            assert (await service_messages(prompts, q, shown, hits, onchain))[:2] == (
                r.system,
                r.instruction,
            )
            # ...and service_messages makes what the answer chain sends for the same retrieval.
            await service.answer(q)
            assert recording.last is not None
            system, user = fake.requests[-1]["messages"]
            assert system["role"] == "system" and user["role"] == "user"
            expected = await service_messages(
                prompts, q, recording.last, recording.last.hits, onchain
            )
            assert system["content"].replace(service.canary, CANARY) == expected[0]
            assert user["content"] == expected[1] == q

    asyncio.run(check_all())
    assert len(fake.requests) == len(retrieved)
    assert retrieved[0].system.startswith(f"[instructions {CANARY}]")


def test_answers_cite_the_right_source(make_ctx: Callable[..., Context], tmp_path: Path) -> None:
    ctx = make_ctx(unanswerable=0.0)
    records = _rag(ctx, tmp_path / "ds")
    chunks = ctx.kb.by_id
    for r in records:
        n = int(re.findall(r"\[(\d+)\]", r.output)[-1])
        assert r.provenance.doc in r.provenance.doc_ids
        # The right document is numbered n in the context block.
        blocks = re.findall(r'<document index="(\d+)" source="([^"]*)"', r.system)
        assert (str(n), chunks[r.provenance.chunk_ids[0]].source) in blocks or any(
            i == str(n) and s == r.provenance.doc_source for i, s in blocks
        )
    assert {r.provenance.detail.split()[0] for r in records if r.provenance.detail} <= {
        "retrieved",
        "inserted",
    }


def test_unanswerable_context_lacks_the_answer(
    make_ctx: Callable[..., Context], tmp_path: Path
) -> None:
    ctx = make_ctx(unanswerable=1.0)
    records = _rag(ctx, tmp_path / "ds")
    assert records
    text = ctx.prompts.render("dataset_rag_unanswerable")
    for r in records:
        assert r.output == text and r.provenance.detail == "unanswerable"
        assert r.provenance.doc not in r.provenance.doc_ids
        context = r.system.split("<knowledge_base>")[1].split("</knowledge_base>")[0]
        asked = {a.lower() for a in addresses_in(r.instruction)}
        assert not asked & {a.lower() for a in addresses_in(context)}
