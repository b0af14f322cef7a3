"""A run's plan: memory estimate, micro-batch, accumulation, checkpointing, attention, packing."""

from __future__ import annotations

import pytest

from finetune.training.budget import ModelShape, batches, decide, training_bytes
from finetune.training.hardware import Hardware

GB = 10**9
# Issue 26's model: Qwen2.5-0.5B's shape with a 10.6k vocabulary, 377M parameters.
QWEN = ModelShape(parameters=377_000_000, hidden=896, intermediate=4864, layers=24, vocab=10_600)
CPU = Hardware(cuda=False, bf16=False, free_bytes=None, flash_attn=False, liger=False)


def gpu(free_gb: float, flash_attn: bool = False, liger: bool = False) -> Hardware:
    return Hardware(
        cuda=True, bf16=True, free_bytes=int(free_gb * GB), flash_attn=flash_attn, liger=liger
    )


@pytest.mark.parametrize(
    ("rows", "checkpointing", "measured_gb"),
    [(32, False, 96), (32, True, 10.5), (8, True, 3.1)],
)
def test_the_estimate_matches_the_h200_figures(
    rows: int, checkpointing: bool, measured_gb: float
) -> None:
    """Peak memory measured on the H200 (issue 26), bf16, rows of 1,024 tokens: within -5/+25%."""
    estimate = training_bytes(QWEN, rows * 1024, checkpointing, dtype_bytes=2) / GB
    assert 0.95 * measured_gb <= estimate <= 1.25 * measured_gb


def test_the_cpu_keeps_one_micro_batch_of_all_rows() -> None:
    sizes = batches(
        QWEN, batch_size=6, max_length=256, tokens_per_step=None, free_bytes=None, dtype_bytes=4
    )
    assert (sizes.rows, sizes.accumulation, sizes.checkpointing) == (6, 1, False)
    assert sizes.estimated_bytes is None


@pytest.mark.parametrize(
    ("budget", "rows", "accumulation"),
    [(32768, 32, 1), (16384, 16, 2), (8192, 8, 4), (5000, 4, 8)],
)
def test_accumulation_keeps_the_effective_batch_when_the_budget_changes(
    budget: int, rows: int, accumulation: int
) -> None:
    sizes = batches(
        QWEN, batch_size=32, max_length=1024, tokens_per_step=budget, free_bytes=141 * GB,
        dtype_bytes=2,
    )  # fmt: skip
    assert (sizes.rows, sizes.accumulation) == (rows, accumulation)
    assert sizes.rows * sizes.accumulation == 32  # rows per optimizer step, whatever the budget


def test_checkpointing_only_where_the_micro_batch_does_not_fit() -> None:
    def checkpointed(free_gb: float) -> bool:
        return batches(
            QWEN, batch_size=32, max_length=1024, tokens_per_step=32768,
            free_bytes=int(free_gb * GB), dtype_bytes=2,
        ).checkpointing  # fmt: skip

    assert not checkpointed(141)  # an H200 holds 32 rows of activations
    assert checkpointed(80)  # an H100 does not
    assert not batches(
        QWEN, batch_size=32, max_length=1024, tokens_per_step=None, free_bytes=None, dtype_bytes=4
    ).checkpointing  # CPU: memory is not what bounds it


def test_an_unset_budget_takes_the_most_rows_that_fit() -> None:
    def plan(free_gb: float) -> tuple[int, int, bool]:
        sizes = batches(
            QWEN, batch_size=32, max_length=1024, tokens_per_step=None,
            free_bytes=int(free_gb * GB), dtype_bytes=2,
        )  # fmt: skip
        assert sizes.estimated_bytes is not None and sizes.estimated_bytes <= 0.9 * free_gb * GB
        return sizes.rows, sizes.accumulation, sizes.checkpointing

    assert plan(141) == (32, 1, False)
    assert plan(80) == (16, 2, False)  # half the rows, twice the steps: no recomputation
    assert plan(4) == (4, 8, True)  # not one row fits without checkpointing


def test_flash_attention_brings_packing() -> None:
    flash = decide(QWEN, gpu(141, flash_attn=True), batch_size=32, max_length=1024)
    assert (flash.attention, flash.packing, flash.group_by_length) == (
        "flash_attention_2",
        True,
        False,
    )
    sdpa = decide(QWEN, gpu(141), batch_size=32, max_length=1024)
    assert (sdpa.attention, sdpa.packing, sdpa.group_by_length) == ("sdpa", False, True)
    forced = decide(QWEN, gpu(141), batch_size=32, max_length=1024, packing=True)
    assert forced.packing and forced.attention == "sdpa"
    assert not decide(QWEN, gpu(141, flash_attn=True), batch_size=32, max_length=1024,
                      packing=False).packing  # fmt: skip


def test_the_cpu_plan_is_todays_run() -> None:
    plan = decide(QWEN, CPU, batch_size=6, max_length=256)
    assert (plan.device, plan.dtype, plan.attention) == ("cpu", "float32", "sdpa")
    assert not (plan.packing or plan.group_by_length or plan.checkpointing or plan.liger)
    assert (plan.rows_per_step, plan.accumulation) == (6, 1)
    assert plan.record()["tokens_per_update"] == 6 * 256


def test_liger_only_on_a_gpu_that_has_it() -> None:
    assert decide(QWEN, gpu(141, liger=True), batch_size=4, max_length=1024).liger
    assert not decide(QWEN, gpu(141, liger=True), batch_size=4, max_length=1024, liger=False).liger
    assert not decide(QWEN, gpu(141), batch_size=4, max_length=1024, liger=True).liger
    assert not decide(QWEN, CPU, batch_size=4, max_length=1024, liger=True).liger
