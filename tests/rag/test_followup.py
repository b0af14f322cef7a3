"""Without a model, only a question that points back is joined with the one before it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import anyio
import pytest

from app.rag.followup import is_follow_up
from app.services import Services
from tests.conftest import ingest

USDC = "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48"


@pytest.mark.parametrize(
    "question",
    ["what is its contract address?", "Is it safe?", "and on Arbitrum?", "decimals?",
     "What about Base?", "Do they charge a fee?"],
)  # fmt: skip
def test_questions_that_point_back(question: str) -> None:
    assert is_follow_up(question)


@pytest.mark.parametrize(
    "question",
    ["How did the Beanstalk hack work?", "What is Lido?", f"Is {USDC} safe?",
     "Which bridge lost the most in 2022?", f"what is this: {USDC}"],
)  # fmt: skip
def test_questions_that_stand_alone(question: str) -> None:
    assert not is_follow_up(question)


@pytest.mark.integration
def test_a_new_topic_in_a_session_does_not_inherit_the_last_address(
    services_factory: Callable[..., Services], corpus: Path
) -> None:
    services = services_factory()
    ingest(services, corpus)
    history = [("user", f"Is {USDC} safe?"), ("assistant", f"{USDC} is USDC on Ethereum [1].")]
    answer = anyio.run(services.answers.answer, "How did the Beanstalk hack work?", None, history)
    assert answer.sources[0].source == "beanstalk-2022.md"
    assert USDC not in answer.answer and "USDC" not in answer.answer
    follow = anyio.run(services.answers.answer, "what is its contract address?", None, history)
    assert USDC in follow.answer
