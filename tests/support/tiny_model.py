"""A tiny base model and a small chat dataset, made at test time (no weights can be downloaded)."""

from __future__ import annotations

from pathlib import Path

from app.samples import CORPUS as SAMPLE
from finetune.training.tiny import build_tiny_model, corpus_texts


def tiny_base(folder: Path) -> Path:
    """The tiny random Llama with a BPE tokenizer trained on the sample corpus."""
    return build_tiny_model(folder, corpus_texts(SAMPLE), vocab_size=512, hidden=64, layers=2)
