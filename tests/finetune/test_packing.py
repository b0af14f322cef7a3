"""Packed LoRA training on CPU: records share rows, stay apart in attention, and the run learns."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from finetune.training.lora import LoraOptions, prepare, train
from finetune.training.tiny import demo_chat_dataset

pytestmark = pytest.mark.integration


def options(**knobs: Any) -> LoraOptions:
    """A run that learns fast on the tiny base; demo records (60-90 tokens) share rows of 256."""
    return LoraOptions(
        rank=8, alpha=16, learning_rate=5e-3, max_length=256, modules_to_save=["lm_head"], **knobs
    )


def test_a_packed_batch_is_one_row_of_several_records_without_padding(
    tiny_model: Path, tmp_path: Path
) -> None:
    data = demo_chat_dataset(tmp_path / "data")
    knobs = options(packing=True, batch_size=4, tokens_per_step=512)
    prepared = prepare(data, str(tiny_model), tmp_path / "packed", knobs)
    args = prepared.trainer.args
    assert (args.per_device_train_batch_size, args.gradient_accumulation_steps) == (2, 2)
    batch = next(iter(prepared.trainer.get_train_dataloader()))
    assert "attention_mask" not in batch  # a mask would make the kernels ignore the boundaries
    ids, positions, labels = batch["input_ids"], batch["position_ids"], batch["labels"]
    assert ids.shape[0] == 1 and 256 < ids.shape[1] <= 2 * 256  # two packed rows, flattened
    starts = (positions[0] == 0).nonzero().flatten().tolist()
    assert len(starts) >= 4 and starts[0] == 0  # positions restart at every record
    assert all(labels[0, s] == -100 for s in starts)  # no record is trained to follow another
    assert int((ids == prepared.tokenizer.pad_token_id).sum()) == 0

    knobs = options(packing=False, batch_size=4)
    padded = prepare(data, str(tiny_model), tmp_path / "padded", knobs)
    rows = next(iter(padded.trainer.get_train_dataloader()))
    assert rows["input_ids"].shape[0] == 4 and "attention_mask" in rows  # one record a row


def test_sdpa_keeps_packed_records_apart(tiny_model: Path) -> None:
    """Attention inside a packed row is block-diagonal in this transformers version: each record's
    logits are those it has alone, which packing without flash-attention relies on. Without a
    cache, as trl's loss runs the model: with one, transformers does not look for packed rows."""
    import torch
    from transformers import AutoModelForCausalLM

    model = AutoModelForCausalLM.from_pretrained(tiny_model, attn_implementation="sdpa").eval()
    first, second = torch.arange(5, 25)[None], torch.arange(40, 52)[None]
    row = torch.cat([first, second], dim=1)

    def logits(ids: torch.Tensor, positions: torch.Tensor | None = None) -> torch.Tensor:
        with torch.no_grad():
            return model(ids, position_ids=positions, use_cache=False).logits[0]

    packed = logits(row, torch.cat([torch.arange(20), torch.arange(12)])[None])
    assert torch.allclose(packed[:20], logits(first), atol=1e-5)
    assert torch.allclose(packed[20:], logits(second), atol=1e-5)
    # One row without the restart: the second record attends back to the first.
    assert not torch.allclose(logits(row)[20:], logits(second), atol=1e-3)


def test_a_packed_run_learns_and_records_its_plan(tiny_model: Path, tmp_path: Path) -> None:
    knobs = options(packing=True, batch_size=2, epochs=2)
    result = train(demo_chat_dataset(tmp_path / "data"), str(tiny_model), tmp_path / "run", knobs)
    history = json.loads((tmp_path / "run" / "loss_history.json").read_text())
    losses = [p["loss"] for p in history if p["split"] == "train"]
    assert len(losses) >= 8 and sum(losses[-3:]) / 3 < 0.85 * sum(losses[:3]) / 3
    run = json.loads((tmp_path / "run" / "run.json").read_text())
    plan = run["plan"]
    assert plan["packing"] is True and plan["attention"] == "sdpa"
    assert plan["checkpointing"] is False and plan["liger"] is False
    assert (plan["rows_per_step"], plan["accumulation"], plan["tokens_per_update"]) == (2, 1, 512)
    # Packed rows hold no padding: every token counted is a record's, twice over two epochs.
    assert result.tokens is not None and result.tokens % 2 == 0 and result.tokens > 30 * 60 * 2
    assert result.tokens_per_second is not None and result.tokens_per_second > 0
    assert result.peak_memory_bytes is None  # CPU
    assert run["result"]["tokens"] == result.tokens
