"""LLM calls for dataset generators: concurrent within a limit, retried with backoff, parsed as
JSON and validated."""

from __future__ import annotations

import asyncio
import json
import logging
import re
import time
from dataclasses import dataclass, field
from typing import TypeVar

from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import HumanMessage
from pydantic import BaseModel, ValidationError
from tenacity import AsyncRetrying, retry_if_exception_type, stop_after_attempt, wait_exponential

from app.core.errors import UpstreamUnavailable

log = logging.getLogger(__name__)
M = TypeVar("M", bound=BaseModel)

_FENCE = re.compile(r"^```(?:json)?\s*|\s*```$", re.MULTILINE)


class BadReply(Exception):
    """The model's reply was not the JSON asked for, after every retry."""


@dataclass
class CallStats:
    """What the calls cost, for the card and the benchmark."""

    calls: int = 0
    failures: int = 0
    bad_replies: int = 0
    seconds: float = 0.0
    by_kind: dict[str, int] = field(default_factory=dict)


class LLMRunner:
    """One chat model shared by every generator; at most `concurrency` calls at once."""

    def __init__(
        self,
        llm: BaseChatModel,
        model: str,
        concurrency: int = 4,
        attempts: int = 3,
        backoff_s: float = 0.5,
        max_tokens: int = 2000,
    ) -> None:
        self.llm = llm.bind(max_completion_tokens=max_tokens)
        self.model = model
        self.attempts = attempts
        self.backoff_s = backoff_s
        self.limit = asyncio.Semaphore(concurrency)
        self.stats = CallStats()

    async def ask(self, prompt: str) -> str:
        """The model's reply to one prompt; transport and status errors are retried, then the
        run stops with what it wrote kept (a rerun resumes)."""
        try:
            async for attempt in AsyncRetrying(
                stop=stop_after_attempt(self.attempts),
                wait=wait_exponential(multiplier=self.backoff_s, max=self.backoff_s * 16),
                reraise=True,
            ):
                with attempt:
                    return await self._call(prompt)
        except Exception as exc:
            raise UpstreamUnavailable(
                f"the language model failed {self.attempts} times ({type(exc).__name__}); "
                "what was written so far is kept: run the same command again to resume"
            ) from exc
        raise AssertionError("unreachable")  # pragma: no cover

    async def _call(self, prompt: str) -> str:
        async with self.limit:
            started = time.perf_counter()
            self.stats.calls += 1
            try:
                reply = await self.llm.ainvoke([HumanMessage(content=prompt)])
            except Exception:
                self.stats.failures += 1
                raise
            finally:
                self.stats.seconds += time.perf_counter() - started
        return reply.text

    async def ask_json(self, prompt: str, schema: type[M]) -> M:
        """The reply parsed into schema; a malformed reply is asked again, then BadReply."""
        async for attempt in AsyncRetrying(
            stop=stop_after_attempt(self.attempts),
            wait=wait_exponential(multiplier=self.backoff_s, max=self.backoff_s * 16),
            retry=retry_if_exception_type(BadReply),
            reraise=True,
        ):
            with attempt:
                return parse_json(await self.ask(prompt), schema, self.stats)
        raise AssertionError("unreachable")  # pragma: no cover


def parse_json(text: str, schema: type[M], stats: CallStats | None = None) -> M:
    """The first JSON object in a reply (code fences allowed) validated against schema."""
    body = _FENCE.sub("", text.strip())
    start = body.find("{")
    try:
        data = json.JSONDecoder().raw_decode(body[start:])[0] if start >= 0 else None
        return schema.model_validate(data)
    except (json.JSONDecodeError, ValidationError) as exc:
        if stats is not None:
            stats.bad_replies += 1
        log.info("unusable reply (%s): %.120s", type(exc).__name__, text)
        raise BadReply(str(exc)[:200]) from None
