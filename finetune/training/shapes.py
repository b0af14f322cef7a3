"""Random-weight models in a real model's shape: GPU figures without downloading any weights.

Speed and memory depend on a model's shape (layers, widths, heads, vocabulary), not on what its
weights learned, so a randomly initialised Qwen2 in Qwen2.5-0.5B's shape, with a BPE tokenizer
built by the project's recipe (finetune.training.tiny), trains and serves like the real one.
Only the vocabulary is smaller (about 10k tokens against 152k): the sample texts hold no more.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from finetune.training.tiny import SPECIAL, build_tokenizer

# Qwen2's tokenizer class (which AutoTokenizer picks for a qwen2 model) adds this token when the
# vocabulary lacks it, one past the embedding matrix; in the vocabulary, it is found there.
QWEN2_UNKNOWN = "<|endoftext|>"


@dataclass(frozen=True)
class Shape:
    """The sizes that set a decoder's cost."""

    name: str
    layers: int
    hidden: int
    intermediate: int
    heads: int
    kv_heads: int
    vocab_size: int
    max_positions: int = 32_768
    rope_theta: float = 1_000_000.0


# Qwen2.5-0.5B's config.json, but for the vocabulary (367M parameters with 10k tokens).
QWEN25_05B = Shape(
    "Qwen2.5-0.5B",
    layers=24,
    hidden=896,
    intermediate=4864,
    heads=14,
    kv_heads=2,
    vocab_size=10_240,
)
# The same architecture at a size a CPU test runs in seconds.
TINY = Shape(
    "tiny Qwen2",
    layers=2,
    hidden=64,
    intermediate=128,
    heads=4,
    kv_heads=2,
    vocab_size=512,
    max_positions=4096,
)


def qwen2_config(shape: Shape, vocab_size: int, tokenizer: Any = None) -> Any:
    """The transformers config of a Qwen2 of that shape, with the tokenizer's special tokens."""
    from transformers import Qwen2Config

    return Qwen2Config(
        vocab_size=vocab_size,
        hidden_size=shape.hidden,
        intermediate_size=shape.intermediate,
        num_hidden_layers=shape.layers,
        num_attention_heads=shape.heads,
        num_key_value_heads=shape.kv_heads,
        max_position_embeddings=shape.max_positions,
        rope_parameters={"rope_type": "default", "rope_theta": shape.rope_theta},
        tie_word_embeddings=True,  # as Qwen2.5-0.5B: the head shares the embedding matrix
        pad_token_id=getattr(tokenizer, "pad_token_id", None),
        bos_token_id=getattr(tokenizer, "bos_token_id", None),
        eos_token_id=getattr(tokenizer, "eos_token_id", None),
    )


def build_shaped_model(out: Path, texts: Iterable[str], shape: Shape, bf16: bool = False) -> Path:
    """Train a tokenizer on texts, initialise a Qwen2 of that shape, and save both under out;
    bf16 saves the weights in bfloat16, as real checkpoints are (so "auto" loads them so)."""
    import torch
    from transformers import Qwen2ForCausalLM

    tokenizer = build_tokenizer(texts, shape.vocab_size, [*SPECIAL, QWEN2_UNKNOWN])
    model: Any = Qwen2ForCausalLM(qwen2_config(shape, len(tokenizer), tokenizer))
    if bf16:
        model = model.to(dtype=torch.bfloat16)
    out.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(out)
    tokenizer.save_pretrained(out)
    return out
