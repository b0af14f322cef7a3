"""Answers in the language of the question: the service's own words in Chinese, quotes and
addresses as they are, English unchanged; the page's words by browser language."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import httpx
import pytest

from app.api.app import create_app
from app.services import Services
from bench.support.server import serve

USDC = "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48"


@pytest.fixture
def url(sample_services: Callable[..., Services]) -> Iterator[str]:
    """The service on the sample corpus without a language model (extractive answers)."""
    services = sample_services()
    with serve(create_app(services.settings, services)) as root:
        yield root


def _chat(url: str, message: str, **extra: object) -> dict[str, object]:
    response = httpx.post(f"{url}/v1/chat", json={"message": message, **extra}, timeout=60)
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def test_a_chinese_address_question_is_answered_in_chinese(url: str) -> None:
    body = _chat(url, f"这个合约地址是什么？{USDC}")
    answer = str(body["answer"])
    assert body["language"] == "zh"
    assert f"**{USDC}**（Ethereum）" in answer  # the address and the chain's name exact
    assert "知识库的说法（原文）：“On Ethereum the canonical USDC contract" in answer  # a quote
    assert "摘录式回答（未配置语言模型）" in answer
    assert "Extractive answer" not in answer and "What the knowledge base says" not in answer


def test_is_it_safe_in_chinese_gets_the_facts_and_no_verdict_in_chinese(url: str) -> None:
    answer = str(_chat(url, f"{USDC} 安全吗？")["answer"])
    assert "安全吗？本服务不给出结论。" in answer
    assert f"**{USDC}**（Ethereum）" in answer


def test_not_covered_is_said_in_the_language_asked_for(url: str) -> None:
    body = _chat(url, "Who won the 2022 World Cup?", language="zh")
    assert body["answerable"] is False
    assert body["language"] == "zh"
    assert str(body["answer"]).startswith("知识库不涵盖这个问题。")


def test_english_is_unchanged_and_a_caller_may_ask_for_a_language(url: str) -> None:
    english = _chat(url, f"What is {USDC}?")
    assert english["language"] == "en"
    assert str(english["answer"]).startswith(f"**{USDC}** on Ethereum")
    asked = _chat(url, f"这个合约地址是什么？{USDC}", language="en")
    assert asked["language"] == "en"
    assert "Extractive answer (no language model is configured)" in str(asked["answer"])


def test_an_unknown_language_is_a_clear_422(url: str) -> None:
    response = httpx.post(f"{url}/v1/chat", json={"message": "hi", "language": "fr"}, timeout=30)
    assert response.status_code == 422
    assert "language" in response.json()["error"]["message"]


def test_the_page_words_follow_the_browser_language(url: str) -> None:
    zh = httpx.get(f"{url}/v1/i18n/zh-CN", timeout=30).json()
    assert zh["language"] == "zh" and zh["messages"]["Send"] == "发送"
    en = httpx.get(f"{url}/v1/i18n/en-US", timeout=30).json()
    assert en == {"language": "en", "messages": {}}
    by_header = httpx.get(
        f"{url}/v1/i18n", headers={"Accept-Language": "zh-TW,zh;q=0.9,en;q=0.8"}, timeout=30
    ).json()
    assert by_header["language"] == "zh"
