"""The answer chain: retrieve, fill the hidden prompt, ask the model, fall back to extraction."""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any, Literal

import anyio
from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage

from app.chain.facts import ContractFacts
from app.kb.embeddings import Embedder
from app.kb.retriever import Retrieval, Retriever
from app.rag.context import Source, build_context, number_sources
from app.rag.extractive import extractive_answer
from app.rag.onchain import OnchainFacts, onchain_answer, onchain_block, onchain_sources
from app.rag.prompts import Prompts

log = logging.getLogger(__name__)

# A window of this many characters of the system prompt in a reply counts as a leak.
_LEAK_WINDOW = 48
# Streamed text lags the model by this many characters: enough for a leak to be recognised
# (a window is found within 1.5 windows of its start) before any of it is sent.
_HOLD_BACK = 2 * _LEAK_WINDOW
LEAK_REPLACEMENT = "I can't share my instructions. Ask me about a protocol, contract or event."


@dataclass
class Answer:
    """An answer with the sources it rests on."""

    answer: str
    sources: list[Source]
    mode: Literal["llm", "extractive"]
    warnings: list[str] = field(default_factory=list)
    usage: dict[str, int] = field(default_factory=dict)
    onchain: list[ContractFacts] = field(default_factory=list)
    # Addresses the answer names that no source, question or on-chain fact contains.
    unverified: list[str] = field(default_factory=list)


History = list[tuple[str, str]]  # (role, text) pairs, role "user" or "assistant"


class AnswerService:
    """Answers questions from the knowledge base, with or without a language model."""

    def __init__(
        self,
        retriever: Retriever,
        embedder: Embedder,
        prompts: Prompts,
        llm: BaseChatModel | None,
        top_k: int = 5,
        max_tokens: int = 800,
        onchain: OnchainFacts | None = None,
    ) -> None:
        self.retriever = retriever
        self.embedder = embedder
        self.prompts = prompts
        self.llm = llm
        self.top_k = top_k
        self.max_tokens = max_tokens
        self.onchain = onchain
        self._leak_windows = _windows(prompts.system_static)

    async def answer(
        self,
        question: str,
        filters: dict[str, Any] | None = None,
        history: History | None = None,
        max_tokens: int | None = None,
    ) -> Answer:
        """Answer one question; a failing model degrades to an extractive answer."""
        async for event in self.stream(question, filters, history, max_tokens):
            if isinstance(event, Answer):
                return event
        raise RuntimeError("answer stream ended without an answer")  # pragma: no cover

    async def stream(
        self,
        question: str,
        filters: dict[str, Any] | None = None,
        history: History | None = None,
        max_tokens: int | None = None,
    ) -> AsyncIterator[str | Answer]:
        """Text deltas as the model writes them, then the whole Answer.

        Output is held back by a margin and checked for the hidden system prompt before it is
        sent, so a model that starts repeating it is cut before any of it leaves.
        """
        query = await self.standalone(question, history or [])
        retrieval: Retrieval = await anyio.to_thread.run_sync(
            self.retriever.retrieve, query, self.top_k, filters
        )
        hits = retrieval.hits
        kb_sources = number_sources(hits)
        warnings = list(retrieval.warnings)
        facts: list[ContractFacts] = []
        if self.onchain is not None:
            facts, failed = await self.onchain.lookup(retrieval, filters)
            warnings += failed
            warnings += [f"{f.address}: {w}" for f in facts for w in f.warnings]
        chain_sources = onchain_sources(facts, len(kb_sources) + 1)
        sources = kb_sources + chain_sources
        prompt_tokens = self.embedder.count_tokens(question)

        def done(text: str, mode: Literal["llm", "extractive"] = "llm") -> Answer:
            usage = _usage(prompt_tokens, text, self.embedder)
            return Answer(text, sources, mode, warnings, usage, facts)

        reason = "no language model is configured"
        if self.llm is not None:
            messages = self.prompts.chat.format_messages(
                context=build_context(hits, kb_sources, self.prompts),
                onchain=onchain_block(facts, chain_sources, self.prompts),
                question=question,
                history=_history_messages(history or []),
            )
            text, sent = "", 0
            try:
                # A client may ask for fewer tokens than the configured cap, never more.
                limit = min(max_tokens or self.max_tokens, self.max_tokens)
                llm = self.llm.bind(max_completion_tokens=limit)
                async for chunk in llm.astream(messages):
                    text += chunk.text
                    if self._leaks(text):
                        log.warning("model output repeated the system prompt; cut")
                        tail = ("\n\n" if sent else "") + LEAK_REPLACEMENT
                        yield tail
                        yield done(text[:sent] + tail)
                        return
                    if len(text) - sent > _HOLD_BACK:
                        yield text[sent : len(text) - _HOLD_BACK]
                        sent = len(text) - _HOLD_BACK
                if text[sent:]:
                    yield text[sent:]
                yield done(text)
                return
            except Exception as exc:  # any transport, status or timeout error of the endpoint
                log.warning("LLM unavailable: %s", type(exc).__name__)
                if sent:
                    note = "\n\n[the language model stopped answering]"
                    # The held-back rest is sent only if it is clean of the system prompt.
                    kept = text if not self._leaks(text) else text[:sent]
                    yield kept[sent:] + note
                    warnings.append("the language model stopped before the end of the answer")
                    yield done(kept + note)
                    return
                warnings.append("the language model was unavailable; this answer is extractive")
                reason = "the language model was unavailable"
        text = await anyio.to_thread.run_sync(
            extractive_answer, question, hits, kb_sources, self.embedder, self.prompts, reason
        )
        if facts:
            live = onchain_answer(facts, chain_sources, self.prompts)
            text = live if not hits else f"{live}\n\n{text}"
        yield text
        yield done(text, "extractive")

    async def standalone(self, question: str, history: History) -> str:
        """The follow-up rewritten with its history ("and on Arbitrum?"), for retrieval."""
        if not history:
            return question
        last_user = next((text for role, text in reversed(history) if role == "user"), "")
        fallback = f"{last_user} {question}".strip()
        if self.llm is None:
            return fallback
        turns = "\n".join(f"{role}: {text[:1000]}" for role, text in history[-6:])
        prompt = self.prompts.render("condense", history=turns, question=question)
        try:
            reply = await self.llm.ainvoke([HumanMessage(content=prompt)])
        except Exception as exc:  # the model is down: the plain join still retrieves well
            log.warning("condensing failed: %s", type(exc).__name__)
            return fallback
        rewritten = reply.text.strip()
        return rewritten[:1000] or fallback

    def _leaks(self, text: str) -> bool:
        flat = _normalise(text)
        return any(w in flat for w in self._leak_windows)


def _history_messages(history: History) -> list[BaseMessage]:
    return [
        HumanMessage(content=text) if role == "user" else AIMessage(content=text)
        for role, text in history
    ]


def _usage(prompt_tokens: int, completion: str, embedder: Embedder) -> dict[str, int]:
    """Word-piece counts of the question and the answer (the retrieved context not counted)."""
    completion_tokens = max(embedder.count_tokens(completion) - 2, 0)
    return {
        "prompt_tokens": prompt_tokens,
        "completion_tokens": completion_tokens,
        "total_tokens": prompt_tokens + completion_tokens,
    }


def _normalise(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().lower()


def _windows(system: str) -> set[str]:
    """Overlapping slices of the system prompt, to spot it inside a reply."""
    flat = _normalise(system)
    step = _LEAK_WINDOW // 2
    return {
        flat[i : i + _LEAK_WINDOW] for i in range(0, max(len(flat) - _LEAK_WINDOW, 0) + 1, step)
    }
