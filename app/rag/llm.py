"""The chat model: any OpenAI-compatible endpoint through langchain-openai."""

from __future__ import annotations

from langchain_core.language_models.chat_models import BaseChatModel
from langchain_openai import ChatOpenAI
from pydantic import SecretStr

from app.core.settings import LLMSettings


def build_llm(settings: LLMSettings) -> BaseChatModel | None:
    """A ChatOpenAI client for the configured endpoint, or None for extractive answers."""
    if settings.base_url is None:
        return None
    return ChatOpenAI(
        base_url=str(settings.base_url),
        # Local servers (vLLM, Ollama, llama.cpp) accept any key, but the client needs one.
        api_key=SecretStr(settings.api_key or "not-needed"),
        model=settings.model,
        timeout=settings.timeout_s,
        max_retries=1,
        temperature=settings.temperature,
        max_completion_tokens=settings.max_tokens,
    )
