"""The local provider's model loaded once: the base, its LoRA adapter merged into it by default
(one set of weights: no adapter matmuls on each token), on the GPU in bf16 when there is one."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from app.core.errors import ConfigError


def load_model(model_path: Path, adapter: Path | None, merge: bool = True) -> tuple[Any, Any]:
    """The model and its tokenizer; a missing path or a mismatched adapter is a ConfigError that
    names the variable to fix."""
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
    model.to("cuda" if cuda else "cpu")
    if adapter is not None and merge:
        model = model.merge_and_unload()
    return model.eval(), tokenizer


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
