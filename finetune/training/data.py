"""A dataset folder read as conversations: Alpaca, ShareGPT or OpenAI chat files, by split."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

Message = dict[str, str]
_SHAREGPT_ROLES = {"human": "user", "user": "user", "gpt": "assistant", "assistant": "assistant"}
FORMATS = ("openai", "sharegpt", "alpaca")
# Files a `dataset build` folder keeps beside the data: the registry, the run, the raw records.
_NOT_DATA = frozenset({"dataset_info.json", "manifest.json", "records.jsonl"})
_VALIDATION_NAMES = ("validation", "valid", "val", "eval", "dev", "test")


class DatasetError(ValueError):
    """The folder holds no usable training records, or a record has an unknown shape."""


def to_messages(record: dict[str, Any]) -> list[Message]:
    """One record of any supported format as chat messages ending with the assistant's answer."""
    if "messages" in record:  # OpenAI chat
        return [{"role": m["role"], "content": m["content"]} for m in record["messages"]]
    if "conversations" in record:  # ShareGPT
        out = [{"role": "system", "content": record["system"]}] if record.get("system") else []
        for turn in record["conversations"]:
            role = _SHAREGPT_ROLES.get(turn.get("from", ""), turn.get("from", ""))
            out.append({"role": "system" if role == "system" else role, "content": turn["value"]})
        return out
    if "instruction" in record and "output" in record:  # Alpaca
        out = [{"role": "system", "content": record["system"]}] if record.get("system") else []
        for question, answer in record.get("history") or []:
            out += [{"role": "user", "content": question}, {"role": "assistant", "content": answer}]
        prompt = record["instruction"]
        if record.get("input"):
            prompt = f"{prompt}\n{record['input']}"
        return [
            *out,
            {"role": "user", "content": prompt},
            {"role": "assistant", "content": record["output"]},
        ]
    raise DatasetError(f"unknown record shape with keys {sorted(record)[:8]}")


def prompt_completion(messages: list[Message]) -> dict[str, list[Message]]:
    """The conversational prompt/completion form SFTTrainer trains on the completion of."""
    if not messages or messages[-1]["role"] != "assistant":
        raise DatasetError("a record must end with the assistant's answer")
    return {"prompt": messages[:-1], "completion": messages[-1:]}


def _records(path: Path) -> list[dict[str, Any]]:
    text = path.read_text("utf-8")
    if path.suffix == ".jsonl":
        return [json.loads(line) for line in text.splitlines() if line.strip()]
    data = json.loads(text)
    return data if isinstance(data, list) else []


def _is_validation(path: Path) -> bool:
    words = path.stem.lower().replace("-", "_").replace(".", "_").split("_")
    return any(w in _VALIDATION_NAMES for w in words)


def data_files(folder: Path, fmt: str | None = None) -> list[Path]:
    """The files of one format: a `dataset build` folder holds a subfolder per format (the
    first of openai, sharegpt, alpaca unless fmt names one); a plain folder, its own files."""
    formats = [f for f in FORMATS if (folder / f).is_dir()]
    if fmt is not None and fmt not in formats and formats:
        raise DatasetError(f"{folder}: no {fmt} files (it has {', '.join(formats)})")
    root = folder / (fmt or formats[0]) if formats else folder
    return [
        p
        for p in sorted(root.iterdir())
        if p.suffix in {".json", ".jsonl"} and p.name not in _NOT_DATA and p.is_file()
    ]


def load_folder(
    folder: Path, holdout: float = 0.1, seed: int = 0, fmt: str | None = None
) -> tuple[list[dict[str, list[Message]]], list[dict[str, list[Message]]]]:
    """Train and validation examples; without a validation file, a seeded share is held out."""
    if not folder.is_dir():
        raise DatasetError(f"{folder}: not a folder")
    files = data_files(folder, fmt)
    train: list[dict[str, list[Message]]] = []
    validation: list[dict[str, list[Message]]] = []
    for path in files:
        try:
            rows = _records(path)
        except json.JSONDecodeError as exc:
            raise DatasetError(f"{path}: not JSON ({exc.msg} at line {exc.lineno})") from None
        # Preference pairs (chosen/rejected) are for preference training, not for SFT.
        rows = [r for r in rows if isinstance(r, dict) and "rejected" not in r]
        examples = [prompt_completion(to_messages(r)) for r in rows]
        (validation if _is_validation(path) else train).extend(examples)
    if not train:
        raise DatasetError(f"{folder}: no training records (Alpaca, ShareGPT or OpenAI chat files)")
    if not validation and len(train) >= 2:
        random.Random(seed).shuffle(train)
        cut = max(1, int(len(train) * holdout))
        validation, train = train[:cut], train[cut:]
    return train, validation
