"""LoRA fine-tuning with trl's SFTTrainer: a config in, an adapter and its loss curve out.

How a run uses the machine (packing, attention, micro-batch, accumulation, checkpointing, Liger)
is decided by finetune.training.budget from the model's shape and the hardware; run.json keeps it.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from finetune.training.budget import ModelShape, Plan, attention, decide
from finetune.training.data import load_folder
from finetune.training.hardware import Hardware, probe
from finetune.training.outputs import TrainResult, finish

log = logging.getLogger(__name__)


@dataclass
class AdapterOptions:
    """The knobs every adapter run has (LoRA on records, DPO on pairs); defaults are SFT's."""

    rank: int = 16
    alpha: int = 32
    dropout: float = 0.05
    # "all-linear" lets peft find every linear layer but the output head, whatever the model.
    target_modules: list[str] | str = "all-linear"
    # Trained in full beside the adapter; a random tiny base needs its head ("lm_head").
    modules_to_save: list[str] = field(default_factory=list)
    epochs: float = 2.0
    learning_rate: float = 2e-4
    # Rows of up to max_length tokens per optimizer step (a packed row holds several records);
    # gradient accumulation keeps it whatever the token budget of one forward/backward.
    batch_size: int = 4
    max_length: int = 1024
    eval_steps: int | None = None  # None: evaluate once per epoch
    seed: int = 0
    merge: bool = False


@dataclass
class LoraOptions(AdapterOptions):
    """The knobs of a run, with defaults that suit a small instruction set on a 1-8B model."""

    data_format: str | None = None  # openai, sharegpt or alpaca in a `dataset build` folder
    max_steps: int | None = None  # stop after this many optimizer steps (benchmarks); None: epochs
    # Tokens in one forward/backward; None: all batch_size rows, or on a GPU the most that fit.
    tokens_per_step: int | None = None
    packing: bool | None = None  # None: where flash-attention runs (finetune.training.budget)
    liger: bool | None = None  # None: Liger's kernels where they import on a GPU; False: never


@dataclass
class Prepared:
    """A trainer ready to run, with the plan it was built from."""

    trainer: Any
    tokenizer: Any
    plan: Plan
    train_records: int
    validation_records: int


def _device() -> tuple[bool, bool]:
    """(use the GPU, use bf16): bf16 only where the GPU supports it; CPU trains in fp32."""
    import torch

    cuda = torch.cuda.is_available()
    return cuda, cuda and torch.cuda.is_bf16_supported()


def _load_model(base_model: str, hardware: Hardware) -> Any:
    """The base in bf16 on a GPU that has it (as flash-attention needs), fp32 on CPU."""
    import torch
    from transformers import AutoModelForCausalLM

    dtype: Any = None  # CPU: fp32, as every CPU run so far
    if hardware.cuda:
        dtype = torch.bfloat16 if hardware.bf16 else "auto"
    return AutoModelForCausalLM.from_pretrained(
        base_model, dtype=dtype, attn_implementation=attention(hardware)
    )


def build_trainer(
    kind: Any,
    model: Any,
    args: Any,
    tokenizer: Any,
    train_rows: list[dict[str, Any]],
    eval_rows: list[dict[str, Any]],
    lora: AdapterOptions | None,
) -> Any:
    """A trl trainer of kind (SFT, DPO) on the rows, with a new adapter unless lora is None."""
    from datasets import Dataset
    from peft import LoraConfig

    peft_config = None
    if lora is not None:
        peft_config = LoraConfig(
            r=lora.rank,
            lora_alpha=lora.alpha,
            lora_dropout=lora.dropout,
            target_modules=lora.target_modules,
            modules_to_save=lora.modules_to_save or None,
            task_type="CAUSAL_LM",
        )
    return kind(
        model=model,
        args=args,
        train_dataset=Dataset.from_list(train_rows),
        eval_dataset=Dataset.from_list(eval_rows) if eval_rows else None,
        processing_class=tokenizer,
        peft_config=peft_config,
    )


def prepare(
    data: Path,
    base_model: str,
    out: Path,
    options: LoraOptions,
    hardware: Hardware | None = None,
) -> Prepared:
    """Read the data, load the base, decide the plan and build the SFTTrainer (not yet run)."""
    from transformers import AutoTokenizer
    from trl import SFTConfig, SFTTrainer

    train_rows, eval_rows = load_folder(data, seed=options.seed, fmt=options.data_format)
    tokenizer = AutoTokenizer.from_pretrained(base_model)
    if tokenizer.chat_template is None:
        raise ValueError(f"{base_model}: the tokenizer has no chat template to render records with")
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    hardware = hardware or probe()  # free memory is read before the model takes its share
    model = _load_model(base_model, hardware)
    plan = decide(
        ModelShape.of(model.config, model.num_parameters()),
        hardware,
        batch_size=options.batch_size,
        max_length=options.max_length,
        tokens_per_step=options.tokens_per_step,
        packing=options.packing,
        liger=options.liger,
    )
    log.info("training plan: %s", plan.record())
    if plan.packing and plan.attention == "sdpa" and plan.device == "cuda":
        log.warning(
            "packing with SDPA attends over each whole micro-batch row (%d tokens): correct, but "
            "its cost grows with the square of tokens_per_step; install flash-attn",
            plan.tokens_per_step,
        )
    out.mkdir(parents=True, exist_ok=True)
    per_epoch = "steps" if options.eval_steps else "epoch"
    config = SFTConfig(
        output_dir=str(out / "checkpoints"),
        num_train_epochs=options.epochs,
        max_steps=options.max_steps or -1,
        learning_rate=options.learning_rate,
        per_device_train_batch_size=plan.rows_per_step,
        per_device_eval_batch_size=plan.rows_per_step,
        gradient_accumulation_steps=plan.accumulation,
        max_length=options.max_length,
        # bfd keeps records whole and implies padding-free rows (trl 1.16's SFTTrainer).
        packing=plan.packing,
        packing_strategy="bfd",
        train_sampling_strategy="group_by_length" if plan.group_by_length else "random",
        eval_strategy=per_epoch,
        save_strategy=per_epoch,
        eval_steps=options.eval_steps,
        save_steps=options.eval_steps or 500,  # read only with per-step evaluation
        load_best_model_at_end=True,
        metric_for_best_model="eval_loss",
        greater_is_better=False,
        save_total_limit=2,
        logging_steps=1,
        bf16=plan.dtype == "bfloat16",
        use_cpu=plan.device == "cpu",
        gradient_checkpointing=plan.checkpointing,
        use_liger_kernel=plan.liger,
        # Packed rows hold no padding; padded ones are counted by their attention mask.
        include_num_input_tokens_seen="all" if plan.packing else "non_padding",
        dataloader_pin_memory=plan.device == "cuda",
        report_to="none",
        seed=options.seed,
        completion_only_loss=True,
    )
    trainer = build_trainer(SFTTrainer, model, config, tokenizer, train_rows, eval_rows, options)
    return Prepared(trainer, tokenizer, plan, len(train_rows), len(eval_rows))


def train(
    data: Path,
    base_model: str,
    out: Path,
    options: LoraOptions,
    hardware: Hardware | None = None,
) -> TrainResult:
    """Fine-tune base_model on the dataset folder and write adapter, tokenizer, config and curve;
    the result carries the tokens trained on, tokens/s over the training steps and peak memory."""
    import time

    import torch

    from finetune.training.clock import StepClock

    started = time.perf_counter()
    prepared = prepare(data, base_model, out, options, hardware)
    trainer, tokenizer, plan = prepared.trainer, prepared.tokenizer, prepared.plan
    cuda = plan.device == "cuda"
    clock = StepClock(cuda)
    trainer.add_callback(clock)
    if cuda:
        torch.cuda.reset_peak_memory_stats()
    trainer.train()
    peak = int(torch.cuda.max_memory_allocated()) if cuda else None
    tokens = int(trainer.state.num_input_tokens_seen)
    run: dict[str, Any] = {
        "data": str(data),
        "base_model": base_model,
        "options": asdict(options),
        "train_records": prepared.train_records,
        "validation_records": prepared.validation_records,
        "device": plan.device,
        "bf16": plan.dtype == "bfloat16",
        "plan": plan.record(),
    }
    return finish(
        trainer,
        tokenizer,
        out,
        run,
        TrainResult,
        merge=options.merge,
        started=started,
        tokens=tokens,
        peak_memory_bytes=peak,
        tokens_per_second=tokens / clock.seconds if clock.seconds > 0 else None,
    )
