"""Each format loads with the `datasets` library, and registers as LLaMA-Factory documents."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from datasets import load_dataset

from finetune.formats import FORMATS, get_format
from finetune.records import Provenance, Record

SFT = Record(
    instruction="How many decimals does it have?",
    output="6.",
    system="You answer from the knowledge base.",
    history=[("What token is at 0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48?", "USDC [1].")],
    provenance=Provenance(generator="templates", chunk_ids=["c1"], doc="d1"),
)
PLAIN = Record(
    instruction="Explain flash loans.",
    input="In one sentence.",
    output="A loan repaid in the same transaction.",
    provenance=Provenance(generator="llm", model="m", chunk_ids=["c2"], doc="d2"),
)
PAIR = Record(
    instruction="What is WETH?",
    output="Wrapped Ether [1].",
    rejected="A stablecoin.",
    provenance=Provenance(generator="feedback", sources=["weth.md"]),
)

# data/README.md of hiyouga/LLaMA-Factory: the dataset_info.json entry of each shape.
DOCUMENTED = {
    "alpaca": {
        "file_name": "data.json",
        "columns": {
            "prompt": "instruction",
            "query": "input",
            "response": "output",
            "system": "system",
            "history": "history",
        },
    },
    "sharegpt": {
        "file_name": "data.json",
        "formatting": "sharegpt",
        "columns": {"messages": "conversations", "system": "system"},
    },
    "openai": {
        "file_name": "data.json",
        "formatting": "sharegpt",
        "columns": {"messages": "messages"},
        "tags": {
            "role_tag": "role",
            "content_tag": "content",
            "user_tag": "user",
            "assistant_tag": "assistant",
            "system_tag": "system",
        },
    },
    "preference": {
        "file_name": "data.json",
        "ranking": True,
        "columns": {
            "prompt": "instruction",
            "query": "input",
            "chosen": "chosen",
            "rejected": "rejected",
        },
    },
}


def _write(name: str, tmp_path: Path) -> tuple[Path, list[dict[str, object]]]:
    fmt = get_format(name)
    rows = [fmt.convert(r) for r in (SFT, PLAIN, PAIR) if fmt.accepts(r)]
    path = tmp_path / f"{name}.{fmt.extension}"
    if fmt.extension == "jsonl":
        path.write_text("".join(json.dumps(r) + "\n" for r in rows), "utf-8")
    else:
        path.write_text(json.dumps(rows), "utf-8")
    return path, rows


@pytest.mark.parametrize("name", list(FORMATS))
def test_loads_with_datasets(name: str, tmp_path: Path) -> None:
    path, rows = _write(name, tmp_path)
    ds = load_dataset("json", data_files=str(path), split="train", cache_dir=str(tmp_path / "c"))
    assert ds.num_rows == len(rows) > 0
    assert ds.to_list()[0] == rows[0]


@pytest.mark.parametrize("name", list(FORMATS))
def test_dataset_info_matches_documented_shape(name: str) -> None:
    assert get_format(name).dataset_info("data.json") == DOCUMENTED[name]


def test_rows_follow_each_format() -> None:
    alpaca = get_format("alpaca").convert(SFT)
    assert alpaca["history"] == [[SFT.history[0][0], "USDC [1]."]]
    assert alpaca["provenance"]["chunk_ids"] == ["c1"]
    share = get_format("sharegpt").convert(PLAIN)
    # LLaMA-Factory joins instruction and input with a newline: the sharegpt turn does too.
    assert share["conversations"] == [
        {"from": "human", "value": "Explain flash loans.\nIn one sentence."},
        {"from": "gpt", "value": PLAIN.output},
    ]
    turns = get_format("sharegpt").convert(SFT)["conversations"]
    assert [t["from"] for t in turns] == ["human", "gpt", "human", "gpt"]
    messages = get_format("openai").convert(SFT)["messages"]
    assert [m["role"] for m in messages] == ["system", "user", "assistant", "user", "assistant"]
    assert "system" not in [m["role"] for m in get_format("openai").convert(PLAIN)["messages"]]
    assert get_format("preference").convert(PAIR)["rejected"] == "A stablecoin."
    assert not get_format("alpaca").accepts(PAIR) and not get_format("preference").accepts(SFT)
    with pytest.raises(ValueError, match="unknown format"):
        get_format("csv")
