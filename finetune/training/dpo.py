"""Preference tuning with trl's DPOTrainer: feedback pairs in, a LoRA adapter and its curves out.

With an SFT adapter to start from, that adapter is trained further and trl keeps a frozen copy
of it (the "ref" adapter) as the reference: DPO then moves the model away from the SFT model it
was served as, not from the bare base. Without one, a new adapter is trained and the reference
is the base (the adapter disabled). Either way no second model is loaded.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from finetune.training import margins
from finetune.training.lora import AdapterOptions, _device, build_trainer
from finetune.training.outputs import TrainResult, finish
from finetune.training.preference import load_pairs


@dataclass
class DpoOptions(AdapterOptions):
    """The knobs of a preference run; the LoRA ones apply to a new adapter only (one given with
    --adapter keeps its own); batch_size counts pairs, each two sequences."""

    # Lower than SFT's: DPO's gradient pushes two answers apart and overshoots easily.
    learning_rate: float = 5e-5
    beta: float = 0.1  # higher keeps the model closer to its reference


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
    lora = options if adapter is None else None  # a given adapter keeps its own knobs
    trainer = build_trainer(DPOTrainer, model, config, tokenizer, train_pairs, eval_pairs, lora)
    trainer.train()
    peft_model: Any = trainer.model
    if "ref" in peft_model.peft_config:
        peft_model.delete_adapter("ref")  # the frozen reference copy is no part of the result
    reward = margins.points(trainer.state.log_history)
    margins.write(reward, out)
    last = [p for p in reward if p.split == "train"][-1:]
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
    }
    return finish(
        trainer,
        tokenizer,
        out,
        run,
        DpoResult,
        merge=options.merge,
        started=started,
        verdicts=(margins.verdict(reward),),
        reward_margin_last=last[0].margin if last else float("nan"),
        reward_accuracy_last=last[0].accuracy if last else float("nan"),
        reference="the SFT adapter as given (frozen copy)" if adapter else "the base model",
    )
