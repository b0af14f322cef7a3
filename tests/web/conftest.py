"""Fixtures of the chat page tests: Debian's chromium driven by Playwright, the app on loopback."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bench.support.fake_llm import FakeLLM, build_app
from bench.support.server import serve

CHROMIUM = Path("/usr/bin/chromium")


@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    """Debian's chromium, headless; Playwright's own browser download is never used.

    Per package, not per session: while Playwright's sync API is open an asyncio loop runs in
    the main thread, and every asyncio.run of a test after this package on the same xdist
    worker would fail."""
    if not CHROMIUM.exists():
        raise RuntimeError(f"{CHROMIUM} is missing: run `make browser` (apt-get install chromium)")
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--headless", "--no-sandbox", "--disable-gpu"],
        )
        yield browser
        browser.close()


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    """A fresh profile per test (its own localStorage), allowed to use the clipboard."""
    ctx = browser.new_context(
        permissions=["clipboard-read", "clipboard-write"], viewport={"width": 1100, "height": 900}
    )
    yield ctx
    ctx.close()


@pytest.fixture
def page(context: BrowserContext) -> Iterator[Page]:
    """A page that fails the test on any script error or dialog."""
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("dialog", lambda d: (errors.append(f"dialog: {d.message}"), d.dismiss()))
    yield page
    assert errors == [], errors


class SlowBody:
    """Wraps an ASGI app: pauses between the chunks of a streamed body, so streaming is visible."""

    def __init__(self, app: ASGIApp, pause_s: float) -> None:
        self.app = app
        self.pause_s = pause_s

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def paced(message: Message) -> None:
            if message["type"] == "http.response.body" and message.get("more_body"):
                await asyncio.sleep(self.pause_s)
            await send(message)

        await self.app(scope, receive, paced)


@pytest.fixture
def slow_llm() -> Iterator[tuple[FakeLLM, str]]:
    """The stand-in model, writing its streamed replies a word every 40 ms."""
    state = FakeLLM()
    with serve(SlowBody(build_app(state), 0.04)) as url:
        yield state, url + "/v1"


def chat_requests(page: Page) -> list[dict[str, Any]]:
    """The bodies of the page's POST /v1/chat requests, recorded as they are sent."""
    sent: list[dict[str, Any]] = []

    def record(request: Any) -> None:
        if request.method == "POST" and request.url.endswith("/v1/chat"):
            sent.append(request.post_data_json)

    page.on("request", record)
    return sent
