"""The canonical and near-miss checks of `eval answers`, and their report lines."""

from __future__ import annotations

import json
from pathlib import Path

from app.eval.answers import Tally, address_lines, grade, load_questions
from app.rag.answer import Answer
from app.rag.context import Source

WETH = "0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2"
WETH_BASE = "0x4200000000000000000000000000000000000006"
NEAR = WETH[:-1]


def answer(text: str, warnings: list[str] | None = None) -> Answer:
    sources = [Source(1, "weth.md", "WETH", None, 1.0)]
    return Answer(text, sources, "extractive", warnings=warnings or [])


def test_first_address_and_called_out_are_graded(tmp_path: Path) -> None:
    rows = [
        {"q": "What is WETH?", "kind": "canonical", "facts": [WETH], "first_address": WETH},
        {"q": f"What is {NEAR}?", "kind": "malformed", "facts": [NEAR], "malformed": NEAR},
    ]
    path = tmp_path / "q.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    canonical, malformed = load_questions([path])
    good = grade(canonical, answer(f"WETH is {WETH.lower()}; also {WETH_BASE} [1]"), 1)
    bad = grade(canonical, answer(f"WETH on Base is {WETH_BASE}, on Ethereum {WETH} [1]"), 1)
    assert good.first_ok is True and bad.first_ok is False
    warned = [f"{NEAR} is not a valid address"]
    top = grade(malformed, answer(f"**Not an address:** `{NEAR}` ...\n\nWETH [1]", warned), 1)
    below = grade(malformed, answer(f"WETH [1]\n\n{NEAR} is not an address", warned), 1)
    silent = grade(malformed, answer(f"**Not an address:** `{NEAR}`"), 1)
    assert (top.called_out, below.called_out, silent.called_out) == (True, False, False)
    assert grade(canonical, answer("x"), 1).called_out is None
    tally = Tally([good, bad, top, below, silent])
    lines = address_lines({"default": {"all": tally.summary()}})
    assert lines == [
        "[default] first-address accuracy on canonical questions: 1/2 (0.500)",
        "[default] malformed addresses called out: 1/3 (0.333)",
    ]
