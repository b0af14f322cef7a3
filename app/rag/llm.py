"""The chat model: any OpenAI-compatible endpoint through langchain-openai."""

from __future__ import annotations

import time
from dataclasses import dataclass

import httpx
from langchain_core.language_models.chat_models import BaseChatModel
from langchain_openai import ChatOpenAI
from pydantic import SecretStr

from app.core.settings import LLMSettings


def build_llm(settings: LLMSettings) -> BaseChatModel | None:
    """The configured chat model: a local model, an OpenAI-compatible endpoint, or None."""
    if settings.provider == "local" and settings.local_model is not None:
        from app.rag.local_llm import load_local_model  # torch loads only for this provider

        return load_local_model(
            settings.local_model,
            settings.local_adapter,
            settings.max_tokens,
            settings.temperature,
            merge=settings.local_merge,
            max_batch=settings.local_batch,
            compile=settings.local_compile,
            context=settings.local_context,
        )
    if settings.base_url is None:
        return None
    return ChatOpenAI(
        base_url=str(settings.base_url),
        # Local servers (vLLM, Ollama, llama.cpp) accept any key, but the client needs one.
        api_key=settings.api_key or SecretStr("not-needed"),
        model=settings.model,
        timeout=settings.timeout_s,
        max_retries=1,
        temperature=settings.temperature,
        max_completion_tokens=settings.max_tokens,
        # A client of its own: langchain-openai otherwise shares one per (URL, timeout) across the
        # process, and its pooled connections belong to the event loop that opened them, so a
        # second loop (another server in the process, a second `eval answers` configuration)
        # got "LLM unavailable: RuntimeError".
        http_async_client=httpx.AsyncClient(timeout=settings.timeout_s),
    )


@dataclass
class LLMHealth:
    """What the last calls to the model saw, for readiness: a reachable /models says little."""

    last_ok_at: float | None = None
    last_error: str | None = None
    last_error_at: float | None = None

    def succeeded(self) -> None:
        """A call returned a usable reply."""
        self.last_ok_at = time.time()

    def failed(self, exc: BaseException) -> None:
        """A call failed: timeout, transport, status or a reply that could not be parsed."""
        self.last_error = type(exc).__name__
        self.last_error_at = time.time()

    def status(self) -> str | None:
        """'unavailable: ...' when the latest call failed, 'ok' when it worked, None before any."""
        if self.last_error_at is not None and (self.last_ok_at or 0) < self.last_error_at:
            ago = int(time.time() - self.last_error_at)
            return f"unavailable: the last call failed with {self.last_error} {ago} s ago"
        return "ok" if self.last_ok_at is not None else None
