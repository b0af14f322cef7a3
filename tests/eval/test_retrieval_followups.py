"""The retrieval eval asks a follow-up as the chat path would: made standalone from its earlier
turns, so `eval retrieval` on a set with conversations measures what the chat retrieves."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from app.eval.retrieval import asked, evaluate, load_questions
from app.services import Services

pytestmark = pytest.mark.integration  # the real model and store


def test_a_follow_up_is_retrieved_with_its_earlier_turns(
    sample_services: Callable[..., Services], tmp_path: Path
) -> None:
    rows = [
        {"q": "它安全吗？", "history": ["什么是 WETH？"], "gold": ["weth"], "kind": "follow-up"},
        {"q": "how many decimals?", "history": [["user", "What is WETH?"], ["assistant", "…"]],
         "gold": ["weth"], "kind": "follow-up"},
    ]  # fmt: skip
    path = tmp_path / "q.jsonl"
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), "utf-8")
    questions = load_questions([path])
    assert [q.history for q in questions] == [("什么是 WETH？",), ("What is WETH?",)]
    services = sample_services()
    assert "WETH" in asked(services, questions[0])
    scores = evaluate(services, questions, methods=("cryptorag",))
    assert scores["cryptorag"]["follow-up"]["hit@5"] == 1.0
