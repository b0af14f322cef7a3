"""Preference tuning on CPU: the chosen answers' log-probability margin rises, outputs are written,
the adapter loads in the local provider, and an SFT adapter is trained further."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from app.cli import cli
from app.rag.local_llm import load_local_model
from finetune.formats import get_format
from finetune.records import Provenance, Record
from finetune.training.data import DatasetError
from finetune.training.dpo import DpoOptions, train
from finetune.training.preference import Pair, load_pairs, to_pair
from finetune.training.tiny import DEMO_FACTS, demo_chat_dataset

pytestmark = pytest.mark.integration
WRONG = "I have no idea, ask someone else."


def preference_folder(folder: Path, pairs: int = 6, validation: int = 0) -> Path:
    """A `dataset build -f preference` folder: the right answer chosen, a dodge rejected."""
    fmt = get_format("preference")
    rows = [
        fmt.convert(
            Record(
                instruction=q, output=a, rejected=WRONG, provenance=Provenance(generator="feedback")
            )
        )
        for q, a in DEMO_FACTS[: pairs + validation]
    ]
    (folder / "preference").mkdir(parents=True)
    for name, part in (("train", rows[:pairs]), ("validation", rows[pairs:])):
        (folder / "preference" / f"{name}.json").write_text(json.dumps(part, indent=2) + "\n")
    return folder


def logprob(model: Any, tokenizer: Any, prompt: list[dict[str, str]], answer: str) -> float:
    """log p(answer | prompt) under the chat template, summed over the answer's tokens."""
    import torch

    start = len(
        tokenizer.apply_chat_template(
            prompt, add_generation_prompt=True, tokenize=True, return_dict=True
        )["input_ids"]
    )
    full = tokenizer.apply_chat_template(
        [*prompt, {"role": "assistant", "content": answer}], tokenize=True, return_dict=True
    )["input_ids"]
    ids = torch.tensor([full])
    with torch.no_grad():
        logps = model(ids).logits.log_softmax(-1)[0, :-1]
    targets = ids[0, 1:]
    return float(logps[start - 1 :].gather(1, targets[start - 1 :, None]).sum())


def margin(model_path: Path, adapter: Path | None, pairs: list[Pair]) -> float:
    """Mean log-probability margin of chosen over rejected, read from the model itself."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(model_path)
    model = AutoModelForCausalLM.from_pretrained(model_path)
    if adapter is not None:
        from peft import PeftModel

        model = PeftModel.from_pretrained(model, str(adapter))
    model.eval()
    gaps = [
        logprob(model, tokenizer, p["prompt"], p["chosen"][0]["content"])
        - logprob(model, tokenizer, p["prompt"], p["rejected"][0]["content"])
        for p in pairs
    ]
    return sum(gaps) / len(gaps)


def test_a_short_run_raises_the_chosen_margin(tiny_model: Path, tmp_path: Path) -> None:
    data = preference_folder(tmp_path / "data")
    pairs, validation = load_pairs(data)
    assert len(pairs) == 6 and validation == []
    options = DpoOptions(
        beta=0.1, rank=8, alpha=16, epochs=4, learning_rate=5e-3, batch_size=3, max_length=128
    )
    before = margin(tiny_model, None, pairs)
    result = train(data, str(tiny_model), tmp_path / "run", options)
    after = margin(tiny_model, result.adapter, pairs)
    assert after > before + 1.0, (before, after)
    assert result.steps == 8 and result.reward_margin_last > 0
    assert result.reference == "the base model"
    run = tmp_path / "run"
    for name in ("loss_history.json", "loss_history.csv", "loss_curve.png", "reward_margins.png"):
        assert (run / name).is_file(), name
    assert (run / "reward_margins.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    report = json.loads((run / "run.json").read_text())
    assert report["method"] == "dpo" and report["train_pairs"] == 6
    assert (
        report["result"]["verdict"].startswith("learning")
        and "reward margin rose" in report["result"]["verdict"]
    )
    assert (result.adapter / "adapter_config.json").is_file() and (
        result.adapter / "tokenizer.json"
    ).is_file()
    served = load_local_model(tiny_model, result.adapter, max_new_tokens=4, temperature=0)
    assert isinstance(served.invoke("What is USDC?").text, str)


def test_the_command_continues_an_sft_adapter(
    tiny_model: Path, tiny_adapter: Path, tmp_path: Path
) -> None:
    data = preference_folder(tmp_path / "data", pairs=4, validation=2)
    out = tmp_path / "run"
    sft = tiny_adapter / "adapter"
    result = CliRunner().invoke(
        cli,
        [
            "finetune", "dpo", "--data", str(data), "--base-model", str(tiny_model),
            "--adapter", str(sft), "--out", str(out), "--epochs", "2", "--batch-size", "2",
            "--learning-rate", "5e-3", "--max-length", "128", "--merge",
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "adapter:" in result.output and "reward margin" in result.output
    pairs, _ = load_pairs(data)
    assert margin(tiny_model, out / "adapter", pairs) > margin(tiny_model, sft, pairs)
    # Only the trained adapter is saved, not trl's frozen reference copy of it.
    assert not (out / "adapter" / "ref").exists()
    assert (out / "merged" / "config.json").is_file()
    run = json.loads((out / "run.json").read_text())
    assert run["validation_pairs"] == 2 and run["result"]["best_eval_loss"] is not None
    # The reference is the SFT adapter itself: at the first step the policy equals it exactly.
    first = json.loads((out / "reward_margins.json").read_text())[0]
    assert first["step"] == 1 and abs(first["margin"]) < 1e-6
    assert run["sft_adapter"] == str(sft) and "SFT adapter" in run["result"]["reference"]


def test_a_folder_without_pairs_is_a_clear_error(tiny_model: Path, tmp_path: Path) -> None:
    sft_only = demo_chat_dataset(tmp_path / "chat")
    result = CliRunner().invoke(
        cli,
        ["finetune", "dpo", "--data", str(sft_only), "--base-model", str(tiny_model),
         "--out", str(tmp_path / "o")],
    )  # fmt: skip
    assert result.exit_code == 2 and "no preference pairs" in result.output


def test_pairs_in_the_builder_and_trl_shapes(tmp_path: Path) -> None:
    builder = {
        "instruction": "Which token?",
        "input": "0xabc",
        "chosen": "WETH [1].",
        "rejected": "No.",
    }
    assert to_pair(builder) == {
        "prompt": [{"role": "user", "content": "Which token?\n0xabc"}],
        "chosen": [{"role": "assistant", "content": "WETH [1]."}],
        "rejected": [{"role": "assistant", "content": "No."}],
    }
    assert to_pair({"prompt": "Q", "chosen": "A", "rejected": "B"})["prompt"] == [
        {"role": "user", "content": "Q"}
    ]
    with pytest.raises(DatasetError, match="prompt or instruction"):
        to_pair({"chosen": "A", "rejected": "B"})
    folder = tmp_path / "plain"
    folder.mkdir()
    same = {**builder, "rejected": builder["chosen"]}
    lines = [builder, same, {**builder, "rejected": ""}, {"messages": []}]
    (folder / "pairs.jsonl").write_text("\n".join(json.dumps(r) for r in lines))
    (folder / "pairs_validation.json").write_text(json.dumps([builder]))
    train_pairs, validation = load_pairs(folder)
    assert (
        len(train_pairs) == 1 and len(validation) == 1
    )  # identical and empty answers teach nothing
    many = tmp_path / "many"
    many.mkdir()
    (many / "train.json").write_text(
        json.dumps([{**builder, "chosen": f"A{i}"} for i in range(20)])
    )
    train_pairs, validation = load_pairs(many)
    assert len(train_pairs) == 18 and len(validation) == 2
