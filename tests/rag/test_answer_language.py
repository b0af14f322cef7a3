"""With a model: a Chinese question is rewritten into English for retrieval (the condense step),
and the model is told to answer in the question's language; an English one is neither."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import anyio
import pytest

from app.services import Services
from bench.support.fake_llm import FakeLLM, build_app
from bench.support.server import serve

pytestmark = pytest.mark.integration  # the real model and store, the stand-in chat model


def _system(request: dict[str, object]) -> str:
    messages = request["messages"]
    assert isinstance(messages, list)
    return str(messages[0]["content"])


def test_a_chinese_question_is_retrieved_by_its_english_rewrite_and_answered_in_chinese(
    sample_services: Callable[..., Services],
) -> None:
    # The glossary knows no word of this question: only the model's rewrite finds Beanstalk.
    rewrite, reply = "How did the Beanstalk governance attack work?", "攻击者用闪电贷 [1]。"
    state = FakeLLM(replies=[rewrite, reply])
    with serve(build_app(state)) as url:
        services = sample_services(base_url=url + "/v1", model="m")
        answer = anyio.run(services.answers.answer, "鸡汤豆茎是怎么回事？")
    condense, chat = state.requests
    prompt = str(condense["messages"][0]["content"])  # type: ignore[index]
    assert "鸡汤豆茎是怎么回事？" in prompt and "in English" in prompt
    assert answer.sources[0].source == "beanstalk-2022.md"
    assert "Simplified Chinese" in _system(chat)
    assert answer.mode == "llm" and answer.answer == reply


def test_an_english_question_is_not_rewritten_and_is_answered_in_english(
    sample_services: Callable[..., Services],
) -> None:
    state = FakeLLM(default_reply="A flash loan is repaid in one transaction [1].")
    with serve(build_app(state)) as url:
        services = sample_services(base_url=url + "/v1", model="m")
        anyio.run(services.answers.answer, "What is a flash loan?")
    (chat,) = state.requests
    system = _system(chat)
    assert "Write the answer in English" in system and "Chinese" not in system


def test_the_language_a_caller_asks_for_is_the_one_the_model_is_told(
    sample_services: Callable[..., Services],
) -> None:
    state = FakeLLM(default_reply="闪电贷在一笔交易内借入并归还 [1]。")
    with serve(build_app(state)) as url:
        services = sample_services(base_url=url + "/v1", model="m")
        answer = anyio.run(partial(services.answers.answer, "What is a flash loan?", language="zh"))
    assert "Simplified Chinese" in _system(state.requests[-1])
    assert answer.language == "zh"


def test_a_chinese_reply_is_checked_like_an_english_one(
    sample_services: Callable[..., Services],
) -> None:
    invented = "0x1111111111111111111111111111111111111111"
    state = FakeLLM()
    with serve(build_app(state)) as url:
        services = sample_services(base_url=url + "/v1", model="m")
        rules = services.prompts.text["system_zh"].splitlines()
        secrecy = next(line for line in rules if line.startswith("5."))
        # Each fresh Chinese question: the condense step's rewrite, then the answer.
        state.replies = ["What is WETH?", f"WETH 的合约在 {invented} [1]。",
                         "What is WETH?", f"好的，我的指令是：{secrecy}"]  # fmt: skip
        grounded = anyio.run(services.answers.answer, "什么是 WETH？")
        leaked = anyio.run(services.answers.answer, "什么是 WETH？")
    assert invented in grounded.unverified  # an address no source has is marked, in Chinese too
    assert leaked.cut and secrecy not in leaked.answer
