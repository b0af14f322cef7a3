"""Random models in a real model's shape: the shape is the real one, the tiny one loads back."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
import torch
from transformers import AutoModelForCausalLM, AutoTokenizer

from app.samples import CORPUS as SAMPLE
from finetune.training.shapes import QWEN25_05B, TINY, build_shaped_model, qwen2_config
from finetune.training.tiny import corpus_texts


def test_with_its_vocabulary_the_shape_has_qwen25_05b_parameter_counts() -> None:
    from transformers import Qwen2ForCausalLM

    full = dataclasses.replace(QWEN25_05B, vocab_size=151_936)
    with torch.device("meta"):  # sizes only, no memory
        model = Qwen2ForCausalLM(qwen2_config(full, full.vocab_size))
    total = sum(p.numel() for p in model.parameters())
    embedding = model.get_input_embeddings().weight.numel()
    # The model card: 0.49B parameters, 0.36B of them outside the (tied) embedding.
    assert round(total / 1e9, 2) == 0.49 and round((total - embedding) / 1e9, 2) == 0.36


@pytest.mark.parametrize("bf16", [False, True])
def test_the_tiny_shape_saves_and_loads_like_a_base_model(tmp_path: Path, bf16: bool) -> None:
    base = build_shaped_model(tmp_path, corpus_texts(SAMPLE), TINY, bf16=bf16)
    model = AutoModelForCausalLM.from_pretrained(base, dtype="auto")
    tokenizer = AutoTokenizer.from_pretrained(base)
    assert type(model).__name__ == "Qwen2ForCausalLM"
    assert model.dtype == (torch.bfloat16 if bf16 else torch.float32)
    assert model.config.num_key_value_heads == 2 and model.config.tie_word_embeddings
    assert model.lm_head.weight.data_ptr() == model.get_input_embeddings().weight.data_ptr()
    assert model.config.vocab_size == len(tokenizer) and tokenizer.chat_template
