"""Grading of one answer, and the configurations of `eval answers --compare`."""

from __future__ import annotations

import json
import os
from pathlib import Path

import anyio
import pytest

from app.eval.answers import (
    AnswerQuestion,
    _ask_all,
    _order,
    configs_from_specs,
    grade,
    load_questions,
    parse_config,
)
from app.rag.answer import Answer
from app.rag.context import Source
from app.rag.subject import Subject


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
    monkeypatch.setenv("CRYPTORAG_LLM_BASE_URL", "http://127.0.0.1:1/v1")
    specs = ["llm=CRYPTORAG_LLM_MODEL=m", "extractive=CRYPTORAG_LLM_BASE_URL="]
    configs = configs_from_specs(specs)
    assert configs["llm"].llm.model == "m" and configs["extractive"].llm.enabled is False
    assert os.environ["CRYPTORAG_LLM_BASE_URL"] == "http://127.0.0.1:1/v1"  # left as it was


class _Answers:
    """Answers each question with its own text; records what each was asked with."""

    def __init__(self) -> None:
        self.asked: list[tuple[str, list[tuple[str, str]], Subject | None]] = []

    async def answer(
        self, q: str, history: list[tuple[str, str]], subject: Subject | None
    ) -> Answer:
        self.asked.append((q, list(history), subject))
        return Answer(
            f"A:{q}", [], "extractive", subject=Subject(topic=q, turn=len(history) // 2 + 1)
        )


def test_a_conversation_is_asked_in_one_session_and_reported_per_turn() -> None:
    turns = ["What is USDC?", "and on Base?", "decimals?"]
    rows = [AnswerQuestion(t, ["x"], "multi-turn", [("user", h) for h in turns[:n]])
            for n, t in enumerate(turns)]  # fmt: skip
    stub = _Answers()
    services = type("S", (), {"answers": stub})()
    # Only the second and third turns: the first is asked (once) for their history.
    answers = anyio.run(_ask_all, services, rows[1:])
    assert [q for q, _, _ in stub.asked] == turns  # no turn asked twice
    _, history, subject = stub.asked[2]
    assert history == [("user", turns[0]), ("assistant", f"A:{turns[0]}"),
                       ("user", turns[1]), ("assistant", f"A:{turns[1]}")]  # fmt: skip
    assert subject == Subject(topic=turns[1], turn=2)  # what the turn before left
    assert [a.answer for a, _ in answers] == [f"A:{t}" for t in turns[1:]]
    assert [r.turn for r in rows] == [1, 2, 3]
    assert sorted(["all", "turn 10", "turn 2", "address"], key=_order) == [
        "address", "turn 2", "turn 10", "all"
    ]  # fmt: skip
