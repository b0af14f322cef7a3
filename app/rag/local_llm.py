"""A local transformers model (optionally with a LoRA adapter) as a LangChain chat model.

Loaded once at start and served through the same answer chain as any endpoint: the retriever,
the hidden prompt, streaming, the output checks and citations are the chain's, not this file's.
Generation runs on a worker thread that feeds a TextIteratorStreamer, so text streams token by
token; one generation runs at a time (a lock), and a client that goes away stops its generation.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from pydantic import ConfigDict, PrivateAttr

from app.core.errors import ConfigError

log = logging.getLogger(__name__)
_ROLES = {"system": "system", "human": "user", "ai": "assistant"}


class LocalChatModel(BaseChatModel):
    """Chat over a loaded causal LM and its tokenizer's chat template."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    model: Any
    tokenizer: Any
    model_name: str = "local"
    max_new_tokens: int = 800
    temperature: float = 0.1
    _lock: threading.Lock = PrivateAttr(default_factory=threading.Lock)

    @property
    def _llm_type(self) -> str:
        return "cryptorag-local"

    def _inputs(self, messages: list[BaseMessage], max_new: int) -> Any:
        chat = [{"role": _ROLES.get(m.type, "user"), "content": m.text} for m in messages]
        inputs = self.tokenizer.apply_chat_template(
            chat, add_generation_prompt=True, return_tensors="pt", return_dict=True
        )
        room = int(getattr(self.model.config, "max_position_embeddings", 0) or 0) - max_new
        if room > 0 and inputs["input_ids"].shape[1] > room:
            # Keep the end: the question and the generation prompt matter most to the answer.
            log.warning("prompt of %d tokens cut to %d", inputs["input_ids"].shape[1], room)
            inputs = {k: v[:, -room:] for k, v in inputs.items()}
        return {k: v.to(self.model.device) for k, v in inputs.items()}

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        from transformers import StoppingCriteria, StoppingCriteriaList, TextIteratorStreamer

        max_new = int(
            kwargs.get("max_completion_tokens") or kwargs.get("max_tokens") or self.max_new_tokens
        )
        cancelled = threading.Event()

        class _Cancelled(StoppingCriteria):
            def __call__(self, input_ids: Any, scores: Any, **_: Any) -> bool:
                return cancelled.is_set()

        streamer = TextIteratorStreamer(self.tokenizer, skip_prompt=True, skip_special_tokens=True)
        sampling = {"do_sample": True, "temperature": self.temperature} if self.temperature else {}
        generate = {
            **self._inputs(messages, max_new),
            "streamer": streamer,
            "max_new_tokens": max_new,
            "do_sample": False,
            **sampling,
            "pad_token_id": self.tokenizer.pad_token_id or self.tokenizer.eos_token_id,
            "stopping_criteria": StoppingCriteriaList([_Cancelled()]),
        }

        def run() -> None:
            with self._lock:  # one generation at a time: a second would halve both
                try:
                    self.model.generate(**generate)
                except Exception:  # the streamer must end, or the reader waits forever
                    log.exception("local generation failed")
                    streamer.end()

        worker = threading.Thread(target=run, daemon=True)
        worker.start()
        try:
            for text in streamer:
                if text:
                    if run_manager is not None:
                        run_manager.on_llm_new_token(text)
                    yield ChatGenerationChunk(message=AIMessageChunk(content=text))
        finally:
            cancelled.set()  # a reader that stopped early (client gone, leak cut) stops the model

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        text = "".join(c.text for c in self._stream(messages, stop, run_manager, **kwargs))
        return ChatResult(generations=[ChatGeneration(message=AIMessage(content=text))])


def load_local_model(
    model_path: Path, adapter: Path | None, max_new_tokens: int, temperature: float
) -> LocalChatModel:
    """Load the base model (and adapter) once; a missing path or a mismatched adapter is a
    ConfigError that names the variable to fix."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    if not (model_path / "config.json").is_file():
        raise ConfigError(
            f"CRYPTORAG_LOCAL_MODEL={model_path}: no model there (no config.json in that folder)"
        )
    cuda = torch.cuda.is_available()
    dtype = torch.bfloat16 if cuda and torch.cuda.is_bf16_supported() else None
    tokenizer = AutoTokenizer.from_pretrained(model_path)
    if tokenizer.chat_template is None:
        raise ConfigError(f"CRYPTORAG_LOCAL_MODEL={model_path}: the tokenizer has no chat template")
    model: Any = AutoModelForCausalLM.from_pretrained(model_path, dtype=dtype)
    if adapter is not None:
        model = _with_adapter(model, model_path, adapter)
    model.to("cuda" if cuda else "cpu").eval()
    return LocalChatModel(
        model=model,
        tokenizer=tokenizer,
        model_name=(adapter or model_path).name,
        max_new_tokens=max_new_tokens,
        temperature=temperature,
    )


def _with_adapter(model: Any, model_path: Path, adapter: Path) -> Any:
    from peft import PeftModel

    config = adapter / "adapter_config.json"
    if not config.is_file():
        raise ConfigError(
            f"CRYPTORAG_LOCAL_ADAPTER={adapter}: no LoRA adapter there (no adapter_config.json)"
        )
    trained_on = json.loads(config.read_text("utf-8")).get("base_model_name_or_path")
    try:
        return PeftModel.from_pretrained(model, adapter)
    except Exception as exc:  # shape mismatches, missing modules: the adapter is another base's
        reason = str(exc).strip().splitlines()[0][:300] if str(exc).strip() else type(exc).__name__
        raise ConfigError(
            f"CRYPTORAG_LOCAL_ADAPTER={adapter} does not fit CRYPTORAG_LOCAL_MODEL={model_path}: "
            f"it was trained on {trained_on!r} ({reason})"
        ) from None
