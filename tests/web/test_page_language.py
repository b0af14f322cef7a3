"""The chat page in the asker's language: its own words from the service's catalog, following
the browser's language and then the language of each question (Debian's chromium)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from app.api.app import create_app
from app.services import Services
from bench.support.server import serve

pytestmark = pytest.mark.integration
ANSWER_TIMEOUT_MS = 60_000


@pytest.fixture
def url(sample_services: Callable[..., Services]) -> Iterator[str]:
    """The service on the sample corpus without a language model: extractive answers."""
    services = sample_services()
    with serve(create_app(services.settings, services)) as root:
        yield root


def _page(browser: Browser, locale: str) -> Iterator[Page]:
    context: BrowserContext = browser.new_context(locale=locale)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    yield page
    context.close()
    assert errors == [], errors


@pytest.fixture
def chinese_browser(browser: Browser) -> Iterator[Page]:
    yield from _page(browser, "zh-CN")


@pytest.fixture
def english_browser(browser: Browser) -> Iterator[Page]:
    yield from _page(browser, "en-US")


def _open(page: Page, url: str) -> None:
    page.goto(url)
    expect(page.locator("body")).to_have_attribute("data-ready", "true")


def _ask(page: Page, question: str) -> None:
    page.fill("#question", question)
    page.press("#question", "Enter")


def test_a_chinese_browser_and_question_get_a_chinese_page_and_answer(
    url: str, chinese_browser: Page, tmp_path: Path
) -> None:
    page = chinese_browser
    _open(page, url)
    # The interface before anything is asked: the browser's language.
    expect(page.locator("#send")).to_have_text("发送")
    expect(page.locator("#new-chat")).to_have_text("新对话")
    expect(page.locator("#question")).to_have_attribute("placeholder", "提个问题，或粘贴一个地址…")
    expect(page.locator("#empty-hint code")).to_have_text(
        "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48"
    )
    assert page.evaluate("document.documentElement.lang") == "zh-Hans"
    _ask(page, "闪电贷是什么？")
    bot = page.locator('article[data-turn="1"] .msg.bot')
    expect(bot.locator(".feedback")).to_be_visible(timeout=ANSWER_TIMEOUT_MS)
    body = bot.locator(".answer-body")
    expect(body).to_contain_text("摘录式回答（未配置语言模型）")
    expect(body).not_to_contain_text("Extractive answer")
    expect(bot.locator(".sources-box summary")).to_contain_text("来源")
    expect(bot.locator("button.rate").first).to_have_attribute("aria-label", "好回答")
    page.screenshot(path=str(tmp_path / "chinese.png"), full_page=True)


def test_the_page_follows_the_language_of_the_question(url: str, english_browser: Page) -> None:
    page = english_browser
    _open(page, url)
    expect(page.locator("#send")).to_have_text("Send")
    _ask(page, "What is a flash loan?")
    first = page.locator('article[data-turn="1"] .msg.bot')
    expect(first.locator(".feedback")).to_be_visible(timeout=ANSWER_TIMEOUT_MS)
    expect(first.locator(".answer-body")).to_contain_text("Extractive answer")
    expect(page.locator("#send")).to_have_text("Send")
    _ask(page, "闪电贷是什么？")
    second = page.locator('article[data-turn="2"] .msg.bot')
    expect(second.locator(".feedback")).to_be_visible(timeout=ANSWER_TIMEOUT_MS)
    expect(second.locator(".answer-body")).to_contain_text("摘录式回答")
    expect(page.locator("#send")).to_have_text("发送")  # the interface followed the question
    expect(second.locator(".sources-box summary")).to_contain_text("来源")
