"""The answer chain: retrieve, fill the hidden prompt, ask the model, fall back to extraction."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from typing import Any, Literal

import anyio
from langchain_core.language_models.chat_models import BaseChatModel

from app.kb.embeddings import Embedder
from app.kb.retriever import Retrieval, Retriever
from app.rag.context import Source, build_context, number_sources
from app.rag.extractive import extractive_answer
from app.rag.prompts import Prompts

log = logging.getLogger(__name__)

# A window of this many characters of the system prompt in a reply counts as a leak.
_LEAK_WINDOW = 48
LEAK_REPLACEMENT = "I can't share my instructions. Ask me about a protocol, contract or event."


@dataclass
class Answer:
    """An answer with the sources it rests on."""

    answer: str
    sources: list[Source]
    mode: Literal["llm", "extractive"]
    warnings: list[str] = field(default_factory=list)


class AnswerService:
    """Answers questions from the knowledge base, with or without a language model."""

    def __init__(
        self,
        retriever: Retriever,
        embedder: Embedder,
        prompts: Prompts,
        llm: BaseChatModel | None,
        top_k: int = 5,
    ) -> None:
        self.retriever = retriever
        self.embedder = embedder
        self.prompts = prompts
        self.llm = llm
        self.top_k = top_k
        self._leak_windows = _windows(prompts.system_static)

    async def answer(self, question: str, filters: dict[str, Any] | None = None) -> Answer:
        """Answer one question; a failing model degrades to an extractive answer."""
        retrieval: Retrieval = await anyio.to_thread.run_sync(
            self.retriever.retrieve, question, self.top_k, filters
        )
        hits = retrieval.hits
        sources = number_sources(hits)
        warnings = list(retrieval.warnings)
        if self.llm is not None:
            messages = self.prompts.chat.format_messages(
                context=build_context(hits, sources, self.prompts), question=question
            )
            try:
                reply = await self.llm.ainvoke(messages)
                text = reply.text if hasattr(reply, "text") else str(reply.content)
                return Answer(self.redact(str(text)), sources, "llm", warnings)
            except Exception as exc:  # any transport, status or timeout error of the endpoint
                log.warning("LLM unavailable, answering extractively: %s", type(exc).__name__)
                warnings.append("the language model was unavailable; this answer is extractive")
                reason = "the language model was unavailable"
        else:
            reason = "no language model is configured"
        text = await anyio.to_thread.run_sync(
            lambda: extractive_answer(question, hits, sources, self.embedder, self.prompts, reason)
        )
        return Answer(text, sources, "extractive", warnings)

    def redact(self, text: str) -> str:
        """The reply, unless it repeats the hidden system prompt."""
        flat = _normalise(text)
        if any(w in flat for w in self._leak_windows):
            log.warning("model output repeated the system prompt; replaced")
            return LEAK_REPLACEMENT
        return text


def _normalise(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().lower()


def _windows(system: str) -> set[str]:
    """Overlapping slices of the system prompt, to spot it inside a reply."""
    flat = _normalise(system)
    step = _LEAK_WINDOW // 2
    return {
        flat[i : i + _LEAK_WINDOW] for i in range(0, max(len(flat) - _LEAK_WINDOW, 0) + 1, step)
    }
