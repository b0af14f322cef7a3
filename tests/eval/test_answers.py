"""Grading of one answer, and the configurations of `eval answers --compare`."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from app.eval.answers import AnswerQuestion, environment, grade, load_questions, parse_config
from app.rag.answer import Answer
from app.rag.context import Source


def answer(text: str, unverified: list[str] | None = None) -> Answer:
    sources = [Source(1, "weth.md", "WETH", None, 1.0), Source(2, "uni.md", "Uniswap", None, 0.5)]
    return Answer(text, sources, "extractive", unverified=unverified or [])


def test_grade_counts_facts_addresses_citations_and_topic() -> None:
    q = AnswerQuestion("q", ["Wrapped Ether", "0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2"])
    q.gold = {"weth"}
    g = grade(q, answer("wrapped  ether at 0xc02aaa39b223fe8d0a0e5c4f27ead9083c756cc2 [1] [2]"), 5)
    assert g.coverage == 1.0 and g.citations_valid and g.on_topic == 0.5
    g = grade(q, answer("Wrapped Ether [3] [unverified address]", ["0x12"]), 5)
    assert g.coverage == 0.5 and g.missing == [q.facts[1]]
    assert not g.citations_valid and g.unverified == ["0x12"]


def test_questions_without_facts_are_skipped_and_history_is_read(tmp_path: Path) -> None:
    path = tmp_path / "q.jsonl"
    rows = [
        {"q": "a", "gold": ["x"], "kind": "address"},
        {"q": "its address?", "facts": ["0x1"], "history": ["What is WETH?", ["assistant", "x"]]},
    ]
    path.write_text("\n".join(json.dumps(r) for r in rows))
    (q,) = load_questions([path])
    assert q.kind == "all" and q.history == [("user", "What is WETH?"), ("assistant", "x")]


def test_compare_specs(monkeypatch: pytest.MonkeyPatch) -> None:
    name, env = parse_config("llm=CRYPTORAG_LLM_BASE_URL=http://h:1/v1,CRYPTORAG_LLM_MODEL=m")
    assert name == "llm" and env["CRYPTORAG_LLM_BASE_URL"] == "http://h:1/v1"
    assert parse_config("extractive") == ("extractive", {})
    with pytest.raises(ValueError):
        parse_config("bad=LLM_MODEL=m")
    monkeypatch.setenv("CRYPTORAG_LLM_MODEL", "keep")
    with environment({"CRYPTORAG_LLM_MODEL": "", "CRYPTORAG_TOP_K": "3"}):
        assert "CRYPTORAG_LLM_MODEL" not in os.environ and os.environ["CRYPTORAG_TOP_K"] == "3"
    assert os.environ["CRYPTORAG_LLM_MODEL"] == "keep" and "CRYPTORAG_TOP_K" not in os.environ
