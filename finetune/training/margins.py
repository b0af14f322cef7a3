"""The reward margins of a DPO run (chosen over rejected): points, JSON, a PNG and a verdict."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from finetune.training import curve


@dataclass
class MarginPoint:
    """trl's logged reward margin and accuracy at a step, for training or validation pairs."""

    step: int
    epoch: float
    split: str  # "train" or "validation"
    margin: float
    accuracy: float


def points(log_history: list[dict[str, Any]]) -> list[MarginPoint]:
    """Margins from a DPOTrainer's log history, in step order."""
    out = []
    for entry in log_history:
        for prefix, split in (("", "train"), ("eval_", "validation")):
            if f"{prefix}rewards/margins" in entry:
                out.append(
                    MarginPoint(
                        int(entry.get("step", 0)),
                        float(entry.get("epoch", 0)),
                        split,
                        float(entry[f"{prefix}rewards/margins"]),
                        float(entry.get(f"{prefix}rewards/accuracies", float("nan"))),
                    )
                )
    return out


def verdict(history: list[MarginPoint]) -> str:
    """Whether the chosen answers pulled away from the rejected ones during training."""
    train = [p.margin for p in history if p.split == "train"]
    if len(train) < 2:
        return "reward margin: too short to judge"
    # The first step's policy is the reference, so its margin is 0 whatever the data.
    tail = train[-max(1, len(train) // 5) :]
    last = sum(tail) / len(tail)
    if last > 0:
        return f"reward margin rose to {last:+.3f}: chosen answers gained over rejected ones"
    return (
        f"reward margin {last:+.3f}: chosen answers did not gain "
        "(raise the learning rate or check the pairs)"
    )


def write(history: list[MarginPoint], out: Path) -> None:
    """reward_margins.json and reward_margins.png under out."""
    (out / "reward_margins.json").write_text(
        json.dumps([asdict(p) for p in history], indent=1), "utf-8"
    )
    curve.plot(
        history,
        lambda p: p.margin,
        out / "reward_margins.png",
        "reward margin",
        "beta * (chosen - rejected log-ratio)",
        "DPO reward margin",
        zero_line=True,
    )
