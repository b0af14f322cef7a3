"""A tiny base model and a small chat dataset, made at test time (no weights can be downloaded)."""

from __future__ import annotations

import json
from pathlib import Path

from finetune.training.tiny import build_tiny_model, corpus_texts

SAMPLE = Path(__file__).resolve().parents[2] / "samples" / "corpus"
SYSTEM = "Answer from the knowledge base and cite it."
FACTS = [
    ("Does Balancer charge a flash-loan fee?", "Balancer's Vault charges no flash-loan fee [1]."),
    ("What is Convex Finance?", "Convex boosts Curve rewards for CRV stakers [1]."),
    ("Why did TerraUSD lose its peg?", "UST lost its peg in May 2022 as LUNA hyperinflated [1]."),
    ("Who sanctioned Tornado Cash?", "OFAC sanctioned Tornado Cash in August 2022 [1]."),
    ("What is USDC?", "USDC is a dollar stablecoin issued by Circle [1]."),
    ("What is WETH?", "WETH is Ether wrapped as an ERC-20 token [1]."),
]


def tiny_base(folder: Path) -> Path:
    """The tiny random Llama with a BPE tokenizer trained on the sample corpus."""
    return build_tiny_model(folder, corpus_texts(SAMPLE), vocab_size=512, hidden=64, layers=2)


def chat_dataset(folder: Path, repeats: int = 6) -> Path:
    """The same facts in the three formats a dataset folder may hold, with a validation file."""
    folder.mkdir(parents=True, exist_ok=True)
    rows = [(q, a) for _ in range(repeats) for q, a in FACTS]
    openai_rows = [
        {
            "messages": [
                {"role": "system", "content": SYSTEM},
                {"role": "user", "content": q},
                {"role": "assistant", "content": a},
            ]
        }
        for q, a in rows[: len(rows) // 3]
    ]
    alpaca = [
        {"instruction": q, "input": "", "output": a, "system": SYSTEM, "history": []}
        for q, a in rows[len(rows) // 3 : 2 * len(rows) // 3]
    ]
    sharegpt = [
        {
            "conversations": [{"from": "human", "value": q}, {"from": "gpt", "value": a}],
            "system": SYSTEM,
        }
        for q, a in rows[2 * len(rows) // 3 :]
    ]
    (folder / "openai_train.jsonl").write_text("\n".join(json.dumps(r) for r in openai_rows))
    (folder / "alpaca_train.json").write_text(json.dumps(alpaca))
    (folder / "sharegpt_validation.json").write_text(json.dumps(sharegpt[:6]))
    (folder / "sharegpt_train.json").write_text(json.dumps(sharegpt[6:]))
    return folder
