"""LoRA fine-tuning on CPU: the loss falls, the curve and history are written, the adapter loads."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from app.cli import cli
from app.rag.local_llm import load_local_model
from finetune.training.curve import LossPoint, verdict
from finetune.training.data import DatasetError, load_folder
from finetune.training.tiny import demo_chat_dataset as chat_dataset

pytestmark = pytest.mark.integration


def test_a_short_run_learns_and_writes_its_outputs(tiny_model: Path, tiny_adapter: Path) -> None:
    history = json.loads((tiny_adapter / "loss_history.json").read_text())
    train = [p["loss"] for p in history if p["split"] == "train"]
    valid = [p["loss"] for p in history if p["split"] == "validation"]
    assert len(train) >= 5 and len(valid) == 3  # logged every step, evaluated every epoch
    assert train[-1] < train[0] * 0.9
    png = (tiny_adapter / "loss_curve.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 5000
    assert (tiny_adapter / "loss_history.csv").read_text().startswith("step,epoch,split,loss")
    run = json.loads((tiny_adapter / "run.json").read_text())
    assert run["device"] == "cpu" and run["bf16"] is False
    assert run["train_records"] == 30 and run["validation_records"] == 6
    assert run["result"]["verdict"].startswith(("learning", "over-fitted"))
    adapter = tiny_adapter / "adapter"
    assert (adapter / "adapter_config.json").is_file()
    assert (adapter / "tokenizer.json").is_file()
    model = load_local_model(tiny_model, adapter, max_new_tokens=8, temperature=0)
    assert isinstance(model.invoke("What is USDC?").text, str)


def test_the_command_trains_merges_and_reports(tiny_model: Path, tmp_path: Path) -> None:
    data = chat_dataset(tmp_path / "data", repeats=2)
    out = tmp_path / "run"
    result = CliRunner().invoke(
        cli,
        [
            "finetune", "lora", "--data", str(data), "--base-model", str(tiny_model),
            "--out", str(out), "--epochs", "1", "--batch-size", "4", "--max-length", "128",
            "--modules-to-save", "lm_head", "--merge", "--packing", "--tokens-per-step", "256",
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "adapter:" in result.output and "curve:" in result.output
    # 4 rows of 128 an update, 256 tokens at a time: two micro-batches of two packed rows.
    assert "batches: packed, 2 rows of 128 tokens, accumulation 2" in result.output
    assert " tokens/s" in result.output
    assert (out / "merged" / "config.json").is_file()
    merged = load_local_model(out / "merged", None, max_new_tokens=4, temperature=0)
    assert isinstance(merged.invoke("hi").text, str)


def test_a_folder_without_records_is_a_clear_error(tmp_path: Path, tiny_model: Path) -> None:
    (tmp_path / "empty").mkdir()
    with pytest.raises(DatasetError, match="no training records"):
        load_folder(tmp_path / "empty")
    result = CliRunner().invoke(
        cli,
        ["finetune", "lora", "--data", str(tmp_path / "empty"), "--base-model", str(tiny_model),
         "--out", str(tmp_path / "o")],
    )  # fmt: skip
    assert result.exit_code == 2 and "no training records" in result.output


def test_every_format_becomes_a_prompt_and_a_completion(tmp_path: Path) -> None:
    train, validation = load_folder(chat_dataset(tmp_path))
    assert len(train) == 30 and len(validation) == 6
    for example in train + validation:
        assert example["prompt"][0] == {
            "role": "system",
            "content": example["prompt"][0]["content"],
        }
        assert example["prompt"][-1]["role"] == "user"
        assert [m["role"] for m in example["completion"]] == ["assistant"]


def test_verdicts() -> None:
    def run(train: list[float], valid: list[float]) -> str:
        pts = [LossPoint(i, 0, "train", v) for i, v in enumerate(train)]
        return verdict(pts + [LossPoint(i, 0, "validation", v) for i, v in enumerate(valid)])

    assert run([3, 2.5, 2, 1.5, 1], [2.5, 2.0, 1.8]).startswith("learning")
    assert run([3, 2.5, 2, 1.5, 1], [2.0, 1.8, 2.4]).startswith("over-fitted")
    assert run([3, 3, 3, 3, 3], [3, 3]).startswith("flat")


def test_a_dataset_build_folder_is_read_in_one_format(tmp_path: Path) -> None:
    """`dataset build` writes a subfolder per format beside records.jsonl: one format is read."""
    flat = chat_dataset(tmp_path / "flat")
    built = tmp_path / "built"
    (built / "openai").mkdir(parents=True)
    (built / "alpaca").mkdir()
    (built / "openai" / "train.jsonl").write_text((flat / "openai_train.jsonl").read_text())
    (built / "alpaca" / "train.json").write_text((flat / "alpaca_train.json").read_text())
    (built / "records.jsonl").write_text((flat / "openai_train.jsonl").read_text())
    (built / "dataset_info.json").write_text("{}")
    train, validation = load_folder(built)  # openai first; a share held out
    assert len(train) + len(validation) == 12
    train, validation = load_folder(built, fmt="alpaca")
    assert len(train) + len(validation) == 12
    with pytest.raises(DatasetError, match="no sharegpt files"):
        load_folder(built, fmt="sharegpt")
