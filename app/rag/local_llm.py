"""A local transformers model (optionally with a LoRA adapter) as a LangChain chat model.

Loaded once at start and served through the same answer chain as any endpoint: the retriever,
the hidden prompt, streaming, the output checks and citations are the chain's, not this file's.
Requests go to a BatchEngine (app.rag.local_batch), which decodes every request in flight
together, so a second reader does not wait for the first; text streams token by token, a reader
that goes away stops its generation, and a failed generation raises instead of ending quietly.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

from langchain_core.callbacks import AsyncCallbackManagerForLLMRun, CallbackManagerForLLMRun
from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from pydantic import ConfigDict

from app.rag.local_batch import BatchEngine, Stream
from app.rag.local_load import load_model

log = logging.getLogger(__name__)
_ROLES = {"system": "system", "human": "user", "ai": "assistant"}


class LocalChatModel(BaseChatModel):
    """Chat over a loaded causal LM, its tokenizer's chat template and a batching engine."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    engine: BatchEngine
    tokenizer: Any
    model_name: str = "local"
    max_new_tokens: int = 800
    temperature: float = 0.1

    @property
    def model(self) -> Any:
        """The transformers model the engine runs (its generation_config holds the stop ids)."""
        return self.engine.model

    def close(self) -> None:
        """Stop the engine's thread (answers still streaming end with an error)."""
        self.engine.close()

    @property
    def _llm_type(self) -> str:
        return "cryptorag-local"

    def _inputs(self, messages: list[BaseMessage], max_new: int) -> Any:
        chat = [{"role": _ROLES.get(m.type, "user"), "content": m.text} for m in messages]
        inputs = self.tokenizer.apply_chat_template(
            chat, add_generation_prompt=True, return_tensors="pt", return_dict=True
        )
        room = self.engine.context - max_new
        if room > 0 and inputs["input_ids"].shape[1] > room:
            # Keep the end: the question and the generation prompt matter most to the answer.
            log.warning("prompt of %d tokens cut to %d", inputs["input_ids"].shape[1], room)
            inputs = {k: v[:, -room:] for k, v in inputs.items()}
        return inputs

    def _submit(self, messages: list[BaseMessage], **kwargs: Any) -> Stream:
        max_new = int(
            kwargs.get("max_completion_tokens") or kwargs.get("max_tokens") or self.max_new_tokens
        )
        max_new = min(max_new, self.engine.context - 1)
        prompt = self._inputs(messages, max_new)["input_ids"][0].tolist()
        return self.engine.submit(prompt, max_new, self.temperature, _stop_ids(self.model))

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        stream = self._submit(messages, **kwargs)
        try:
            for text in stream:
                if text:
                    if run_manager is not None:
                        run_manager.on_llm_new_token(text)
                    yield ChatGenerationChunk(message=AIMessageChunk(content=text))
        finally:
            stream.cancel()  # a reader that stopped early (client gone, leak cut) stops the model

    async def _astream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[ChatGenerationChunk]:
        # On the event loop itself: LangChain's default runs _stream with a thread per token,
        # and never closes it when the reader is cancelled.
        stream = self._submit(messages, **kwargs)
        try:
            async for text in stream:
                if text:
                    if run_manager is not None:
                        await run_manager.on_llm_new_token(text)
                    yield ChatGenerationChunk(message=AIMessageChunk(content=text))
        finally:
            stream.cancel()

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        text = "".join(c.text for c in self._stream(messages, stop, run_manager, **kwargs))
        return ChatResult(generations=[ChatGeneration(message=AIMessage(content=text))])

    async def _agenerate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        chunks = self._astream(messages, stop, run_manager, **kwargs)
        text = "".join([c.text async for c in chunks])
        return ChatResult(generations=[ChatGeneration(message=AIMessage(content=text))])


def _stop_ids(model: Any) -> set[int]:
    """The tokens that end an answer, read at each request as `generate` would read them."""
    eos = getattr(model.generation_config, "eos_token_id", None)
    if eos is None:
        return set()
    return {int(eos)} if isinstance(eos, int) else {int(t) for t in eos}


def load_local_model(
    model_path: Path,
    adapter: Path | None,
    max_new_tokens: int,
    temperature: float,
    *,
    merge: bool = True,
    max_batch: int = 16,
    compile: bool = False,
    context: int = 4096,
) -> LocalChatModel:
    """Load the base model (and adapter, merged unless merge=False) once and start its engine:
    up to max_batch answers decoded together; compile (CUDA only) captures the decode step over
    fixed buffers of `context` columns."""
    model, tokenizer = load_model(model_path, adapter, merge)
    engine = BatchEngine(
        model,
        tokenizer,
        max_batch=max_batch,
        columns=context,
        compile=compile,
    )
    return LocalChatModel(
        engine=engine,
        tokenizer=tokenizer,
        model_name=(adapter or model_path).name,
        max_new_tokens=max_new_tokens,
        temperature=temperature,
    )
