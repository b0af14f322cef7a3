"""Ordinary answers never trip the leak guard: the extractive answers to the dev questions."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import anyio
import pytest

from app.rag.answer import LEAK_REPLACEMENT, Answer
from app.services import Services
from tests.conftest import ingest

pytestmark = pytest.mark.integration
REPO = Path(__file__).resolve().parents[2]
DEV = REPO / "eval" / "dev"


def test_extractive_answers_to_the_dev_questions_pass_in_one_session(
    sample_services: Callable[..., Services],
) -> None:
    """Thirty answers quoting the knowledge base, charged to one session, none cut."""
    services = sample_services()
    ingest(services, DEV / "docs")
    lines = (DEV / "questions.jsonl").read_text("utf-8").splitlines()
    questions = [json.loads(line)["q"] for line in lines if line.strip()]

    async def ask_all() -> list[Answer]:
        return [
            await services.answers.answer(q, ledger_keys=["session:dev", "addr:127.0.0.1"])
            for q in questions
        ]

    answers = anyio.run(ask_all)
    assert len(answers) == len(questions) >= 30
    cut = [(q, a.answer[:200]) for q, a in zip(questions, answers, strict=True) if a.cut]
    assert cut == []
    assert not any(LEAK_REPLACEMENT in a.answer for a in answers)
    guard = services.answers.guard
    assert not any(guard.leaks(a.answer) for a in answers)
