"""Preference pairs read from a dataset folder as trl's conversational prompt/chosen/rejected."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

# One reading of files and split names for both trainers (data.py's helpers).
from finetune.training.data import DatasetError, Message, _is_validation, _records, data_files

Pair = dict[str, list[Message]]
# The subfolder `dataset build -f preference` writes (finetune/formats.py, Preference).
FOLDER = "preference"


def to_pair(row: dict[str, Any]) -> Pair:
    """One row as a pair: the builder's alpaca-style instruction/input/chosen/rejected (with an
    optional system), or trl's own prompt/chosen/rejected in text or messages."""
    if "prompt" in row:
        prompt = row["prompt"]
        prompt = prompt if isinstance(prompt, list) else [{"role": "user", "content": prompt}]
    elif "instruction" in row:
        # The user turn as the builder's other formats render it (finetune.records.Record.question).
        question = (
            f"{row['instruction']}\n{row['input']}" if row.get("input") else row["instruction"]
        )
        system = [{"role": "system", "content": row["system"]}] if row.get("system") else []
        prompt = [*system, {"role": "user", "content": question}]
    else:
        raise DatasetError(f"a preference row needs a prompt or instruction, not {sorted(row)[:8]}")

    def answer(value: Any) -> list[Message]:
        return value if isinstance(value, list) else [{"role": "assistant", "content": value}]

    return {"prompt": prompt, "chosen": answer(row["chosen"]), "rejected": answer(row["rejected"])}


def _teaches(pair: Pair) -> bool:
    """A pair with an empty or identical answer has no preference to learn."""
    chosen, rejected = pair["chosen"][-1]["content"], pair["rejected"][-1]["content"]
    return bool(chosen.strip() and rejected.strip()) and chosen.strip() != rejected.strip()


def load_pairs(
    folder: Path, holdout: float = 0.1, seed: int = 0, min_holdout: int = 10
) -> tuple[list[Pair], list[Pair]]:
    """Train and validation pairs from a `dataset build` folder's preference/ files or a plain
    folder's; without validation pairs, a seeded share is held out once there are min_holdout
    pairs (feedback gives few, and each one teaches)."""
    if not folder.is_dir():
        raise DatasetError(f"{folder}: not a folder")
    root = folder / FOLDER if (folder / FOLDER).is_dir() else folder
    train: list[Pair] = []
    validation: list[Pair] = []
    for path in data_files(root):
        # Only rows with a rejected answer: a plain folder may hold supervised records beside them.
        try:
            rows = _records(path)
        except json.JSONDecodeError as exc:
            raise DatasetError(f"{path}: not JSON ({exc.msg} at line {exc.lineno})") from None
        pairs = [
            to_pair(r) for r in rows if isinstance(r, dict) and {"chosen", "rejected"} <= r.keys()
        ]
        (validation if _is_validation(path) else train).extend(p for p in pairs if _teaches(p))
    if not train:
        raise DatasetError(
            f"{folder}: no preference pairs (chosen/rejected rows; build them with "
            "`cryptorag dataset build -g feedback -f preference`)"
        )
    if not validation and len(train) >= min_holdout:
        random.Random(seed).shuffle(train)
        cut = max(1, int(len(train) * holdout))
        validation, train = train[:cut], train[cut:]
    return train, validation
