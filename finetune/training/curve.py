"""The loss history of a run: JSON, CSV, a PNG of the curves, and a plain verdict on them."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, TypeVar


@dataclass
class LossPoint:
    """One logged loss: training or validation, at a step and epoch."""

    step: int
    epoch: float
    split: str  # "train" or "validation"
    loss: float


def points(log_history: list[dict[str, Any]]) -> list[LossPoint]:
    """Losses from a Trainer's log history, in step order."""
    out = []
    for entry in log_history:
        for key, split in (("loss", "train"), ("eval_loss", "validation")):
            if key in entry:
                out.append(
                    LossPoint(
                        int(entry.get("step", 0)), float(entry.get("epoch", 0)), split, entry[key]
                    )
                )
    return out


def verdict(history: list[LossPoint]) -> str:
    """Over-fitted (validation rises while training falls), flat, or learning."""
    train = [p.loss for p in history if p.split == "train"]
    valid = [p.loss for p in history if p.split == "validation"]
    if len(train) < 2:
        return "too short to judge"
    head = sum(train[: max(1, len(train) // 5)]) / max(1, len(train) // 5)
    tail = sum(train[-max(1, len(train) // 5) :]) / max(1, len(train) // 5)
    if abs(head - tail) < 0.02 * head:
        return "flat: training loss hardly moved (raise the learning rate or check the data)"
    if len(valid) >= 2 and tail < head and valid[-1] > min(valid) * 1.02:
        return (
            "over-fitted: validation loss rose from its best while training loss fell "
            "(the best checkpoint was kept; fewer epochs or more data would help)"
        )
    return "learning: training loss fell and validation loss did not rise"


def write(history: list[LossPoint], out: Path) -> None:
    """loss_history.json, loss_history.csv and loss_curve.png under out."""
    rows = [p.__dict__ for p in history]
    (out / "loss_history.json").write_text(json.dumps(rows, indent=1), "utf-8")
    with (out / "loss_history.csv").open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=["step", "epoch", "split", "loss"])
        writer.writeheader()
        writer.writerows(rows)
    plot(history, lambda p: p.loss, out / "loss_curve.png", "loss", "loss", "LoRA fine-tuning")


class Logged(Protocol):
    """A logged point: its step and split ("train" or "validation")."""

    step: int
    split: str


P = TypeVar("P", bound=Logged)


def plot(
    history: list[P],
    value: Callable[[P], float],
    path: Path,
    what: str,
    ylabel: str,
    title: str,
    zero_line: bool = False,
) -> None:
    """A PNG of value over the steps: training as a line, validation as dots."""
    import matplotlib

    matplotlib.use("Agg")  # no display on servers
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4), dpi=100)
    for split, style in (("train", "-"), ("validation", "o-")):
        xs = [p.step for p in history if p.split == split]
        ys = [value(p) for p in history if p.split == split]
        if xs:
            ax.plot(xs, ys, style, label=f"{split} {what}")
    if zero_line:
        ax.axhline(0, color="grey", linewidth=0.8)
    ax.set_xlabel("step")
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
