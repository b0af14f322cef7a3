"""Preference tuning with trl's DPOTrainer: feedback pairs in, a LoRA adapter and its curves out.

With an SFT adapter to start from, that adapter is trained further and trl keeps a frozen copy
of it (the "ref" adapter) as the reference: DPO then moves the model away from the SFT model it
was served as, not from the bare base. Without one, a new adapter is trained and the reference
is the base (the adapter disabled). Either way no second model is loaded.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from finetune.training import curve, margins
from finetune.training.lora import TrainResult, _device
from finetune.training.preference import load_pairs


@dataclass
class DpoOptions:
    """The knobs of a preference run; the LoRA ones apply to a new adapter only (one given with
    --adapter keeps its own)."""

    beta: float = 0.1  # higher keeps the model closer to its reference
    rank: int = 16
    alpha: int = 32
    dropout: float = 0.05
    target_modules: list[str] | str = "all-linear"
    modules_to_save: list[str] = field(default_factory=list)
    epochs: float = 2.0
    # Lower than SFT's: DPO's gradient pushes two answers apart and overshoots easily.
    learning_rate: float = 5e-5
    batch_size: int = 4  # pairs per step: each is two sequences
    max_length: int = 1024
    eval_steps: int | None = None  # None: evaluate once per epoch
    seed: int = 0
    merge: bool = False


@dataclass
class DpoResult(TrainResult):
    """TrainResult with trl's reward margins (beta times the chosen-over-rejected log-ratio)."""

    reward_margin_last: float
    reward_accuracy_last: float
    reference: str


def _model(base_model: str, adapter: Path | None, cuda: bool) -> Any:
    """The base, with the SFT adapter loaded trainable when one is given."""
    from transformers import AutoModelForCausalLM

    model = AutoModelForCausalLM.from_pretrained(base_model, dtype="auto" if cuda else None)
    if adapter is None:
        return model
    from peft import PeftModel

    return PeftModel.from_pretrained(model, str(adapter), is_trainable=True)


def train(
    data: Path, base_model: str, out: Path, options: DpoOptions, adapter: Path | None = None
) -> DpoResult:
    """DPO on the folder's preference pairs; writes adapter, tokenizer, run.json and curves."""
    from datasets import Dataset
    from peft import LoraConfig
    from transformers import AutoTokenizer
    from trl import DPOConfig, DPOTrainer

    started = time.perf_counter()
    train_pairs, eval_pairs = load_pairs(data, seed=options.seed)
    tokenizer = AutoTokenizer.from_pretrained(base_model)
    if tokenizer.chat_template is None:
        raise ValueError(f"{base_model}: the tokenizer has no chat template to render pairs with")
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    cuda, bf16 = _device()
    model = _model(base_model, adapter, cuda)
    out.mkdir(parents=True, exist_ok=True)
    evaluate = ("steps" if options.eval_steps else "epoch") if eval_pairs else "no"
    config = DPOConfig(
        output_dir=str(out / "checkpoints"),
        beta=options.beta,
        num_train_epochs=options.epochs,
        learning_rate=options.learning_rate,
        per_device_train_batch_size=options.batch_size,
        per_device_eval_batch_size=options.batch_size,
        max_length=options.max_length,
        eval_strategy=evaluate,
        save_strategy=evaluate,
        eval_steps=options.eval_steps,
        save_steps=options.eval_steps or 500,  # read only with per-step evaluation
        load_best_model_at_end=bool(eval_pairs),
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
    )
    peft_config = None
    if adapter is None:
        peft_config = LoraConfig(
            r=options.rank,
            lora_alpha=options.alpha,
            lora_dropout=options.dropout,
            target_modules=options.target_modules,
            modules_to_save=options.modules_to_save or None,
            task_type="CAUSAL_LM",
        )
    trainer = DPOTrainer(
        model=model,
        args=config,
        train_dataset=Dataset.from_list(train_pairs),
        eval_dataset=Dataset.from_list(eval_pairs) if eval_pairs else None,
        processing_class=tokenizer,
        peft_config=peft_config,
    )
    trainer.train()
    peft_model: Any = trainer.model
    if "ref" in peft_model.peft_config:
        peft_model.delete_adapter("ref")  # the frozen reference copy is no part of the result
    saved = out / "adapter"
    trainer.save_model(str(saved))  # the best checkpoint, loaded back at the end
    tokenizer.save_pretrained(str(saved))
    log = trainer.state.log_history
    losses, reward = curve.points(log), margins.points(log)
    curve.write(losses, out)
    margins.write(reward, out)
    merged = None
    if options.merge:
        merged = out / "merged"
        peft_model.merge_and_unload().save_pretrained(str(merged))
        tokenizer.save_pretrained(str(merged))
    train_losses = [p.loss for p in losses if p.split == "train"]
    eval_losses = [p.loss for p in losses if p.split == "validation"]
    last = [p for p in reward if p.split == "train"][-1:]
    result = DpoResult(
        out=out,
        adapter=saved,
        merged=merged,
        train_loss_first=train_losses[0] if train_losses else float("nan"),
        train_loss_last=train_losses[-1] if train_losses else float("nan"),
        best_eval_loss=min(eval_losses) if eval_losses else None,
        verdict=f"{curve.verdict(losses)}; {margins.verdict(reward)}",
        steps=trainer.state.global_step,
        seconds=time.perf_counter() - started,
        reward_margin_last=last[0].margin if last else float("nan"),
        reward_accuracy_last=last[0].accuracy if last else float("nan"),
        reference="the SFT adapter as given (frozen copy)" if adapter else "the base model",
    )
    run: dict[str, Any] = {
        "method": "dpo",
        "data": str(data),
        "base_model": base_model,
        "sft_adapter": str(adapter) if adapter else None,
        "options": asdict(options),
        "train_pairs": len(train_pairs),
        "validation_pairs": len(eval_pairs),
        "device": "cuda" if cuda else "cpu",
        "bf16": bf16,
        "result": {k: str(v) if isinstance(v, Path) else v for k, v in asdict(result).items()},
    }
    (out / "run.json").write_text(json.dumps(run, indent=1, default=str), "utf-8")
    return result
