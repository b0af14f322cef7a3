"""What every training run (LoRA, DPO) writes and returns: adapter, loss curve, merge, run.json."""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from finetune.training import curve


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
    # Keyword-only, so that results extending this one (dpo) may add fields without defaults.
    tokens: int | None = field(default=None, kw_only=True)  # training tokens, padding left out
    peak_memory_bytes: int | None = field(default=None, kw_only=True)  # CUDA only
    tokens_per_second: float | None = field(default=None, kw_only=True)  # over training steps


R = TypeVar("R", bound=TrainResult)


def finish(
    trainer: Any,
    tokenizer: Any,
    out: Path,
    run: dict[str, Any],
    kind: type[R],
    *,
    merge: bool,
    started: float,
    verdicts: tuple[str, ...] = (),
    **fields: Any,
) -> R:
    """Write the best adapter with its tokenizer, the loss curve, the merged model if asked and
    run.json (run plus the result); return the result, of kind, with fields added."""
    adapter = out / "adapter"
    trainer.save_model(str(adapter))  # the best checkpoint, loaded back at the end
    tokenizer.save_pretrained(str(adapter))
    history = curve.points(trainer.state.log_history)
    curve.write(history, out)
    merged = None
    if merge:
        merged = out / "merged"
        peft_model: Any = trainer.model
        peft_model.merge_and_unload().save_pretrained(str(merged))
        tokenizer.save_pretrained(str(merged))
    train_losses = [p.loss for p in history if p.split == "train"]
    eval_losses = [p.loss for p in history if p.split == "validation"]
    result = kind(
        out=out,
        adapter=adapter,
        merged=merged,
        train_loss_first=train_losses[0] if train_losses else float("nan"),
        train_loss_last=train_losses[-1] if train_losses else float("nan"),
        best_eval_loss=min(eval_losses) if eval_losses else None,
        verdict="; ".join((curve.verdict(history), *verdicts)),
        steps=trainer.state.global_step,
        seconds=time.perf_counter() - started,
        **fields,
    )
    run["result"] = {k: str(v) if isinstance(v, Path) else v for k, v in asdict(result).items()}
    (out / "run.json").write_text(json.dumps(run, indent=1, default=str), "utf-8")
    return result
