"""A question the knowledge base does not cover is declined on every route, before any model."""

from __future__ import annotations

import pytest

from app.services import Services
from bench.support.fake_llm import FakeLLM
from tests.support.answer_routes import ROUTES, ask

OFF_TOPIC = "Who won the 2022 World Cup?"


@pytest.mark.parametrize("route", ROUTES)
def test_an_uncovered_question_is_declined_without_asking_the_model(
    service: tuple[FakeLLM, str, Services], route: str
) -> None:
    state, url, _ = service
    text, meta = ask(url, route, OFF_TOPIC)
    assert meta["answerable"] is False
    assert meta["sources"] == []  # no unrelated source is listed
    assert text.startswith("The knowledge base does not cover this question")
    assert state.requests == []  # decided from the evidence: the model never saw it


@pytest.mark.parametrize("route", ["chat", "completions-stream"])
def test_a_model_refusal_is_reported_as_not_answerable(
    service: tuple[FakeLLM, str, Services], route: str
) -> None:
    state, url, _ = service
    state.replies.append("The knowledge base does not cover how Convex pays its staff.")
    text, meta = ask(url, route, "How does Convex boost CRV rewards?")
    assert len(state.requests) == 1  # the documents looked relevant: the model was asked
    assert text.startswith("The knowledge base does not cover")
    assert meta["answerable"] is False
    assert meta["sources"] == []


def test_a_covered_question_is_answerable(service: tuple[FakeLLM, str, Services]) -> None:
    state, url, _ = service
    state.replies.append("Convex boosts CRV rewards for Curve LPs [1].")
    text, meta = ask(url, "chat-stream", "How does Convex boost CRV rewards?")
    assert meta["answerable"] is True
    assert meta["sources"]
    assert text == "Convex boosts CRV rewards for Curve LPs [1]."
