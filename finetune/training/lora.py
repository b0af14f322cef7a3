"""LoRA fine-tuning with trl's SFTTrainer: a config in, an adapter and its loss curve out."""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from finetune.training import curve
from finetune.training.data import load_folder

log = logging.getLogger(__name__)


@dataclass
class LoraOptions:
    """The knobs of a run, with defaults that suit a small instruction set on a 1-8B model."""

    rank: int = 16
    alpha: int = 32
    dropout: float = 0.05
    # "all-linear" lets peft find every linear layer but the output head, whatever the model.
    target_modules: list[str] | str = "all-linear"
    # Trained in full beside the adapter; a random tiny base needs its head ("lm_head").
    modules_to_save: list[str] = field(default_factory=list)
    epochs: float = 2.0
    learning_rate: float = 2e-4
    batch_size: int = 4
    max_length: int = 1024
    eval_steps: int | None = None  # None: evaluate once per epoch
    seed: int = 0
    merge: bool = False
    data_format: str | None = None  # openai, sharegpt or alpaca in a `dataset build` folder


@dataclass
class TrainResult:
    """Where the run wrote its outputs, and how the curve looked."""

    out: Path
    adapter: Path
    merged: Path | None
    train_loss_first: float
    train_loss_last: float
    best_eval_loss: float | None
    verdict: str
    steps: int
    seconds: float


def _device() -> tuple[bool, bool]:
    """(use the GPU, use bf16): bf16 only where the GPU supports it; CPU trains in fp32."""
    import torch

    cuda = torch.cuda.is_available()
    return cuda, cuda and torch.cuda.is_bf16_supported()


def train(data: Path, base_model: str, out: Path, options: LoraOptions) -> TrainResult:
    """Fine-tune base_model on the dataset folder and write adapter, tokenizer, config and curve."""
    import time

    from datasets import Dataset
    from peft import LoraConfig
    from transformers import AutoModelForCausalLM, AutoTokenizer
    from trl import SFTConfig, SFTTrainer

    started = time.perf_counter()
    train_rows, eval_rows = load_folder(data, seed=options.seed, fmt=options.data_format)
    tokenizer = AutoTokenizer.from_pretrained(base_model)
    if tokenizer.chat_template is None:
        raise ValueError(f"{base_model}: the tokenizer has no chat template to render records with")
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    cuda, bf16 = _device()
    model = AutoModelForCausalLM.from_pretrained(base_model, dtype="auto" if cuda else None)
    out.mkdir(parents=True, exist_ok=True)
    per_epoch = "steps" if options.eval_steps else "epoch"
    config = SFTConfig(
        output_dir=str(out / "checkpoints"),
        num_train_epochs=options.epochs,
        learning_rate=options.learning_rate,
        per_device_train_batch_size=options.batch_size,
        per_device_eval_batch_size=options.batch_size,
        max_length=options.max_length,
        eval_strategy=per_epoch,
        save_strategy=per_epoch,
        eval_steps=options.eval_steps,
        save_steps=options.eval_steps or 500,  # read only with per-step evaluation
        load_best_model_at_end=True,
        metric_for_best_model="eval_loss",
        greater_is_better=False,
        save_total_limit=2,
        logging_steps=1,
        bf16=bf16,
        use_cpu=not cuda,
        gradient_checkpointing=cuda,  # saves GPU memory; on CPU it only costs time
        dataloader_pin_memory=cuda,
        report_to="none",
        seed=options.seed,
        completion_only_loss=True,
    )
    peft_config = LoraConfig(
        r=options.rank,
        lora_alpha=options.alpha,
        lora_dropout=options.dropout,
        target_modules=options.target_modules,
        modules_to_save=options.modules_to_save or None,
        task_type="CAUSAL_LM",
    )
    trainer = SFTTrainer(
        model=model,
        args=config,
        train_dataset=Dataset.from_list(train_rows),
        eval_dataset=Dataset.from_list(eval_rows) if eval_rows else None,
        processing_class=tokenizer,
        peft_config=peft_config,
    )
    trainer.train()
    adapter = out / "adapter"
    trainer.save_model(str(adapter))  # the best checkpoint, loaded back at the end
    tokenizer.save_pretrained(str(adapter))
    history = curve.points(trainer.state.log_history)
    curve.write(history, out)
    merged = None
    if options.merge:
        merged = out / "merged"
        peft_model: Any = trainer.model
        peft_model.merge_and_unload().save_pretrained(str(merged))
        tokenizer.save_pretrained(str(merged))
    train_losses = [p.loss for p in history if p.split == "train"]
    eval_losses = [p.loss for p in history if p.split == "validation"]
    result = TrainResult(
        out=out,
        adapter=adapter,
        merged=merged,
        train_loss_first=train_losses[0] if train_losses else float("nan"),
        train_loss_last=train_losses[-1] if train_losses else float("nan"),
        best_eval_loss=min(eval_losses) if eval_losses else None,
        verdict=curve.verdict(history),
        steps=trainer.state.global_step,
        seconds=time.perf_counter() - started,
    )
    run: dict[str, Any] = {
        "data": str(data),
        "base_model": base_model,
        "options": asdict(options),
        "train_records": len(train_rows),
        "validation_records": len(eval_rows),
        "device": "cuda" if cuda else "cpu",
        "bf16": bf16,
        "result": {k: str(v) if isinstance(v, Path) else v for k, v in asdict(result).items()},
    }
    (out / "run.json").write_text(json.dumps(run, indent=1, default=str), "utf-8")
    return result
