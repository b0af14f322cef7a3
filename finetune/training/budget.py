"""A run's plan: attention, packing, micro-batch, gradient accumulation and checkpointing, decided
from the model's shape, the token budget and the machine (pure functions, unit-tested).

The memory model is a decoder's activations per token, checked against the figures of issue 26
(a 377M Qwen2.5-0.5B-shaped model on an H200, bf16, 32 rows of 1,024 tokens: 96 GB without
gradient checkpointing, 10.5 GB with it, 3.1 GB with it at 8 rows); it errs high by 0-20%, so a
plan leans to checkpointing when a budget is near the card's limit.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

from finetune.training.hardware import Hardware

# Values per token a decoder layer keeps for backward: ~34 of width hidden (norms, q/k/v, attention
# output, residuals, LoRA dropout copies) and ~6 of width intermediate (gate, up, SwiGLU, product).
ACTIVATION_HIDDEN = 34
ACTIVATION_FFN = 6
# trl's loss projects hidden states through the head in tiles of 4,096 tokens by at most 32,768
# vocabulary entries (trl.kernels.chunked_logprob): an fp32 tile and its gradient, not the logits.
LOSS_TILE_TOKENS = 4096
LOSS_TILE_VOCAB = 32768
# The share of free memory a plan may fill: the allocator's fragmentation, CUDA workspaces and the
# adapter's optimizer state take the rest.
USABLE = 0.9
LOSS = "trl chunked log-probabilities (no full-vocabulary logits)"


@dataclass(frozen=True)
class ModelShape:
    """The sizes that set a decoder's training memory."""

    parameters: int
    hidden: int
    intermediate: int
    layers: int
    vocab: int

    @classmethod
    def of(cls, config: Any, parameters: int) -> ModelShape:
        """From a transformers config (its text part) and the loaded model's parameter count."""
        text = config.get_text_config()
        hidden = int(text.hidden_size)
        return cls(
            parameters=parameters,
            hidden=hidden,
            intermediate=int(getattr(text, "intermediate_size", None) or 4 * hidden),
            layers=int(text.num_hidden_layers),
            vocab=int(text.vocab_size),
        )


def training_bytes(shape: ModelShape, tokens: int, checkpointing: bool, dtype_bytes: int) -> int:
    """Peak memory of one forward/backward over `tokens` tokens: weights, activations, loss tile."""
    layer = dtype_bytes * (ACTIVATION_HIDDEN * shape.hidden + ACTIVATION_FFN * shape.intermediate)
    if checkpointing:
        # Each layer keeps only its input (and in backward its gradient); one layer at a time is
        # recomputed and holds its activations and their gradients.
        per_token = 2 * dtype_bytes * shape.hidden * shape.layers + 2 * layer
    else:
        per_token = shape.layers * layer + layer  # every layer's activations, one layer's gradients
    loss_tile = 2 * 4 * LOSS_TILE_TOKENS * min(shape.vocab, LOSS_TILE_VOCAB)
    return shape.parameters * dtype_bytes + tokens * per_token + loss_tile


@dataclass(frozen=True)
class Batches:
    """Rows of max_length tokens per forward/backward, micro-batches per optimizer step."""

    rows: int
    accumulation: int
    checkpointing: bool
    estimated_bytes: int | None  # None where no GPU memory bounds the run


def _halvings(rows: int) -> list[int]:
    out = [rows]
    while out[-1] > 1:
        out.append(out[-1] // 2)
    return out


def batches(
    shape: ModelShape,
    *,
    batch_size: int,
    max_length: int,
    tokens_per_step: int | None,
    free_bytes: int | None,
    dtype_bytes: int,
) -> Batches:
    """The micro-batch for the token budget, with accumulation keeping batch_size rows an update.

    tokens_per_step (rows of max_length in one forward/backward) set: that many rows, rounded
    down, at least one. Unset: all batch_size rows on CPU; on a GPU, the most rows (halving from
    batch_size) that fit without checkpointing, else the most that fit with it. Checkpointing is
    on only where the micro-batch does not fit without it; CPU memory is not estimated (off).
    """

    def fits(rows: int, checkpointing: bool) -> bool:
        need = training_bytes(shape, rows * max_length, checkpointing, dtype_bytes)
        return free_bytes is not None and need <= USABLE * free_bytes

    if tokens_per_step is not None:
        rows = max(1, tokens_per_step // max_length)
        checkpointing = free_bytes is not None and not fits(rows, False)
    elif free_bytes is None:
        rows, checkpointing = batch_size, False
    else:
        candidates = _halvings(batch_size)
        plain = [r for r in candidates if fits(r, False)]
        checkpointing = not plain
        rows = plain[0] if plain else next((r for r in candidates if fits(r, True)), 1)
    estimate = None
    if free_bytes is not None:
        estimate = training_bytes(shape, rows * max_length, checkpointing, dtype_bytes)
    return Batches(rows, max(1, math.ceil(batch_size / rows)), checkpointing, estimate)


@dataclass(frozen=True)
class Plan:
    """How a run uses the machine; written to run.json."""

    device: str
    dtype: str
    attention: str
    packing: bool  # bfd packing: records share rows, kept apart by position_ids (padding-free)
    group_by_length: bool  # padded rows of similar lengths together
    rows_per_step: int  # per_device_train_batch_size
    accumulation: int
    max_length: int
    checkpointing: bool
    liger: bool
    loss: str
    estimated_bytes: int | None
    free_bytes: int | None

    @property
    def tokens_per_step(self) -> int:
        """Token slots in one forward/backward."""
        return self.rows_per_step * self.max_length

    @property
    def tokens_per_update(self) -> int:
        """Token slots in one optimizer step: the effective batch."""
        return self.tokens_per_step * self.accumulation

    def record(self) -> dict[str, Any]:
        """The plan as run.json keeps it, with its token counts."""
        return {
            **asdict(self),
            "tokens_per_step": self.tokens_per_step,
            "tokens_per_update": self.tokens_per_update,
        }


def attention(hardware: Hardware) -> str:
    """flash-attention 2 where it imports on a bf16 GPU (it needs half precision), else SDPA."""
    flash = hardware.cuda and hardware.bf16 and hardware.flash_attn
    return "flash_attention_2" if flash else "sdpa"


def decide(
    shape: ModelShape,
    hardware: Hardware,
    *,
    batch_size: int,
    max_length: int,
    tokens_per_step: int | None = None,
    packing: bool | None = None,
    liger: bool | None = None,
) -> Plan:
    """The run's plan. Packing defaults to on where flash-attention's varlen kernel runs: trl
    flattens a packed micro-batch into one row, which flash-attention splits at the records'
    boundaries; SDPA keeps them apart too (transformers masks by position_ids) but attends over
    the whole row, a cost that grows with the square of tokens_per_step, so SDPA runs padded rows
    grouped by length instead. Liger's kernels (fused RMSNorm, RoPE, SwiGLU) need a GPU."""
    chosen = attention(hardware)
    packed = chosen == "flash_attention_2" if packing is None else packing
    dtype_bytes = 2 if hardware.bf16 else 4
    sizes = batches(
        shape,
        batch_size=batch_size,
        max_length=max_length,
        tokens_per_step=tokens_per_step,
        free_bytes=hardware.free_bytes,
        dtype_bytes=dtype_bytes,
    )
    return Plan(
        device="cuda" if hardware.cuda else "cpu",
        dtype="bfloat16" if hardware.bf16 else "float32",
        attention=chosen,
        packing=packed,
        # CPU keeps the sampling it always had; a GPU wastes less on padding.
        group_by_length=hardware.cuda and not packed,
        rows_per_step=sizes.rows,
        accumulation=sizes.accumulation,
        max_length=max_length,
        checkpointing=sizes.checkpointing,
        liger=hardware.cuda and hardware.liger and liger is not False,
        loss=LOSS,
        estimated_bytes=sizes.estimated_bytes,
        free_bytes=hardware.free_bytes,
    )
