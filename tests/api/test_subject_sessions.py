"""A session keeps what it is about over /v1/chat: "its", "and on Base?" and "how much was lost?"
resolve over several turns, without a model and with one (whose condense step is given them)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from app.api.app import create_app
from app.services import Services
from bench.support.fake_llm import FakeLLM
from bench.support.server import serve

pytestmark = pytest.mark.integration

ARBITRUM_USDC = "0xaf88d065e77c8cC2239327C5EDb3A432268e5831"
BASE_USDC = "0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913"


def _turns(url: str, *messages: str) -> tuple[str, list[dict[str, Any]]]:
    """Ask each message in one session; its id and the replies."""
    sid: str | None = None
    replies = []
    for message in messages:
        body: dict[str, object] = {"message": message}
        if sid is not None:
            body["session_id"] = sid
        reply = httpx.post(f"{url}/v1/chat", json=body, timeout=60)
        assert reply.status_code == 200, reply.text
        sid = reply.json()["session_id"]
        replies.append(reply.json())
    assert sid is not None
    return sid, replies


def test_without_a_model_the_subject_carries_over_four_turns_and_is_stored(
    sample_services: Callable[..., Services],
) -> None:
    services = sample_services()
    with serve(create_app(services.settings, services)) as url:
        sid, replies = _turns(
            url, "What is USDC?", "and on Arbitrum?", "and on Base?", "how many decimals?"
        )
        _, event = _turns(
            url,
            "Tell me about the Beanstalk governance attack",
            "How much was lost?",
            "What is a flash loan?",  # a topic of its own: Beanstalk is not inherited
        )
    answers = [r["answer"] for r in replies]
    assert ARBITRUM_USDC in answers[1]
    assert BASE_USDC in answers[2]
    assert "6 decimals" in answers[3]
    assert "182 million" in event[1]["answer"]
    assert event[2]["sources"][0]["source"] == "flash-loans.md"
    _, subject = services.sessions.conversation(sid, None)
    assert subject is not None and subject.turn == 4
    assert [e.value for e in subject.entities][:1] == ["USDC"]
    assert subject.chain == "base"


def test_with_a_model_the_condense_request_carries_the_subject(
    sample_services: Callable[..., Services], fake_llm: tuple[FakeLLM, str]
) -> None:
    state, llm_url = fake_llm
    services = sample_services(base_url=llm_url, model="fake-model")
    with serve(create_app(services.settings, services)) as url:
        _turns(url, "What is WETH?", "what is its contract address?", "and on Arbitrum?")
    # Turn 1 answers; turns 2 and 3 each condense, then answer.
    condense = [r["messages"][0]["content"] for r in state.requests if len(r["messages"]) == 1]
    assert len(condense) == 2
    assert '- token WETH, "Wrapped Ether (WETH)", since turn 1' in condense[0]
    assert "Follow-up question: what is its contract address?" in condense[0]
    assert '- token WETH, "Wrapped Ether (WETH)", since turn 1' in condense[1]
    assert "Follow-up question: and on Arbitrum?" in condense[1]
