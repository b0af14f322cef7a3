"""The page says each thing once: answer, cards, cited sources; short addresses; warnings first.

Screenshots go to pytest's tmp_path (desktop and phone); the layout is asserted on what can be
measured: how often a full address is printed, widths, card and source counts, the warnings'
place and the height of a two-address answer on a phone.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from app.api.app import create_app
from app.core.settings import ChainSettings
from app.services import Services
from bench.support.server import serve
from tests.conftest import ingest
from tests.web.test_chat_page import _answer_event, _cited, _screenshot, _token_doc

pytestmark = pytest.mark.integration
Chain = tuple[str, dict[str, str]]
TIMEOUT_MS = 60_000
DESKTOP = {"width": 1100, "height": 900}
PHONE = {"width": 390, "height": 844}
FULL = re.compile(r"0x[0-9a-fA-F]{40}")
USDC_BASE = "0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913"

# What the layout can be measured by, read in the page: the turn's height, full addresses
# printed, elements outside the viewport, addresses drawn on more than one line.
MEASURE = """(turn) => {
    const t = document.querySelector(`article[data-turn="${turn}"]`);
    const bot = t.querySelector(".msg.bot");
    const vw = document.documentElement.clientWidth;
    const outside = [...document.querySelectorAll("main *")].filter((e) => {
        const r = e.getBoundingClientRect();
        return r.width > 0 && (r.right > vw + 0.5 || r.left < -0.5);
    }).map((e) => `${e.tagName}.${e.className}`);
    const broken = [...bot.querySelectorAll("code")].filter((c) => {
        const style = getComputedStyle(c);
        const line = parseFloat(style.lineHeight) || parseFloat(style.fontSize) * 1.3;
        const height = Math.max(...[...c.getClientRects()].map((r) => r.height), 0);
        const lines = c.getClientRects().length;
        return FULLISH.test(c.textContent) && (lines > 1 || height > 1.6 * line);
    }).length;
    return {
        height: Math.round(t.getBoundingClientRect().height),
        full: (bot.innerText.match(/0x[0-9a-fA-F]{40}/g) || []).length,
        outside,
        broken,
        scrollWidth: document.documentElement.scrollWidth,
    };
}""".replace("FULLISH", "/0x[0-9a-fA-F…]{6,}/")


@pytest.fixture
def site(
    services_factory: Callable[..., Services], chain: Chain, corpus: Path
) -> Iterator[tuple[str, dict[str, str]]]:
    """The app as `make run` serves it without a language model: extractive answers, anvil."""
    rpc, addresses = chain
    services = services_factory(chains=ChainSettings(rpc_urls={"ethereum": rpc}))
    ingest(services, _token_doc(corpus / "fixture", addresses["token18"]))
    with serve(create_app(services.settings, services)) as url:
        yield url, addresses


def _ask(page: Page, url: str, question: str) -> dict[str, Any]:
    """Open the page, ask, wait for the whole answer; the answer event as the server sent it."""
    page.goto(url)
    expect(page.locator("body")).to_have_attribute("data-ready", "true")
    with page.expect_response(lambda r: r.url.endswith("/v1/chat")) as chat:
        page.fill("#question", question)
        page.press("#question", "Enter")
    expect(page.locator('article[data-turn="1"] .feedback')).to_be_visible(timeout=TIMEOUT_MS)
    return _answer_event(chat.value.text())


@pytest.mark.parametrize("screen", ["desktop", "phone"])
def test_a_two_address_answer_says_each_thing_once(
    site: tuple[str, dict[str, str]], browser: Browser, tmp_path: Path, screen: str
) -> None:
    url, a = site
    viewport = PHONE if screen == "phone" else DESKTOP
    context = browser.new_context(
        viewport=viewport,
        is_mobile=screen == "phone",
        has_touch=screen == "phone",
        permissions=["clipboard-read", "clipboard-write"],
    )
    try:
        page = context.new_page()
        token, proxy = a["token18"], a["transparent"]
        answer = _ask(page, url, f"What are {token} and {proxy}?")
        bot = page.locator('article[data-turn="1"] .msg.bot')
        shot = _screenshot(page, tmp_path / f"two-addresses-{screen}.png")
        figures = page.evaluate(MEASURE, 1)
        print("LAYOUT", screen, json.dumps(figures), shot)

        # No address printed in full: shortened, the full one in its title and a tap away.
        assert figures["full"] == 0
        assert figures["broken"] == 0 and figures["outside"] == []
        assert figures["scrollWidth"] <= viewport["width"]
        short = bot.locator(f'.answer-body .addr[data-address="{proxy}"]').first
        expect(short.locator("code")).to_have_text(f"{proxy[:6]}…{proxy[-4:]}")
        assert short.locator("button.reveal").get_attribute("title") == proxy
        # One copy button per address, with its explorer link: on its card, copying it whole.
        expect(short.locator("button.copy")).to_have_count(0)
        for address in (token, proxy):
            expect(bot.locator(f'button.copy[data-address="{address}"]')).to_have_count(1)
        copy = bot.locator(f'.card-head button.copy[data-address="{proxy}"]')
        copy.click()
        expect(copy).to_have_text("Copied")
        assert page.evaluate("navigator.clipboard.readText()") == proxy
        short.locator("button.reveal").click()
        expect(short.locator("code")).to_have_text(proxy)
        whole = short.locator("code").evaluate(
            "c => [c.getClientRects().length, c.getBoundingClientRect().right]"
        )
        assert whole[0] == 1 and whole[1] <= viewport["width"]

        # One card per address read, each linking to its explorer once, and nowhere else.
        onchain = [f["address"] for f in answer["onchain"]]
        assert token in onchain and proxy in onchain
        expect(bot.locator(".card")).to_have_count(len(onchain))
        for address in onchain:
            expect(bot.locator(f'.card-head .addr[data-address="{address}"]')).to_have_count(1)
            link = f'a.explorer[href$="/address/{address}"]'
            expect(bot.locator(link)).to_have_count(1)
            expect(bot.locator(f".card-head {link}")).to_have_count(1)
        # Cards of addresses only read for their role (admin, owner) are folded.
        expect(bot.locator(".card.folded")).to_have_count(len(onchain) - 2)

        # The answer does not restate what the cards show.
        body = bot.locator(".answer-body")
        expect(body).to_contain_text("What the knowledge base says")
        for line in ("Live on", "Checked and not found", "Could not be checked", "Warning"):
            expect(body).not_to_contain_text(line)

        # Warnings above the answer, each once.
        warnings = bot.locator("ul.warnings")
        expect(warnings).to_have_count(1)
        expect(warnings).to_contain_text("controls its upgrades")
        items = warnings.locator("li").all_inner_texts()
        assert len(items) == len(set(items)) >= 2
        box, text = warnings.bounding_box(), body.bounding_box()
        assert box is not None and text is not None and box["y"] + box["height"] <= text["y"]

        # The sources listed are the cited documents, with their own numbers.
        cited = _cited(answer)
        assert cited
        ids = bot.locator(".sources li").evaluate_all("items => items.map(i => i.id)")
        assert ids == [f"t1-s{n}" for n in cited]
        # [n] of an on-chain read leads to its card.
        onchain_cite = bot.locator('.answer-body a.cite[href^="#t1-s"]').evaluate_all(
            "links => links.map(a => a.getAttribute('href'))"
        )
        for href in onchain_cite:
            assert page.locator(href).count() == 1

        if screen == "phone":
            # Before this layout: 5,561 px (6.6 screens), 45 full addresses, on a 390x844 phone.
            assert figures["height"] < 2.5 * viewport["height"]
    finally:
        context.close()


def test_the_live_state_not_read_is_said_once(
    site: tuple[str, dict[str, str]], page: Page, tmp_path: Path
) -> None:
    url, _ = site
    answer = _ask(page, url, f"What is {USDC_BASE} on Base?")
    bot = page.locator('article[data-turn="1"] .msg.bot')
    assert any("was not read" in w for w in answer["warnings"])  # for programs, in the response
    assert bot.inner_text().count("was not read") == 1
    assert bot.inner_text().count("not connected to Base") == 1
    # "**0x…** on Base": its explorer is Base's, whatever the default chain.
    explorer = bot.locator(f'.addr[data-address="{USDC_BASE}"] a.explorer')
    assert explorer.get_attribute("href") == f"https://basescan.org/address/{USDC_BASE}"
    # Nothing the answer does not cite is listed under it.
    expect(bot.locator(".sources li")).to_have_count(len(_cited(answer)))
    _screenshot(page, tmp_path / "not-read.png")


def test_a_declined_answer_lists_no_sources_only_nearest_documents_labelled(
    site: tuple[str, dict[str, str]], page: Page
) -> None:
    """Whatever the server sends: a declined answer's documents are the nearest, said so."""
    url, _ = site
    response = {
        "answer": "The knowledge base does not cover this question. The nearest documents it has, "
        "which do not answer it: “Fixture Token documentation”.",
        "answerable": False,
        "sources": [{"source": "fixture-token.md", "title": "Fixture Token documentation"}],
        "session_id": "s1",
        "mode": "extractive",
        "warnings": [],
        "onchain": [],
    }
    body = f"event: answer\ndata: {json.dumps(response)}\n\nevent: done\ndata: {{}}\n\n"
    page.route(
        "**/v1/chat",
        lambda route: route.fulfill(status=200, content_type="text/event-stream", body=body),
    )
    _ask(page, url, "Who won the 2022 World Cup?")
    bot = page.locator('article[data-turn="1"] .msg.bot')
    expect(bot.locator(".notice.not-covered")).to_have_text("Not covered")
    boxes = bot.locator(".sources-box")
    expect(boxes).to_have_count(1)
    expect(boxes.locator("summary")).to_have_text("Nearest documents, which do not answer it (1)")
    assert boxes.get_attribute("open") is None  # folded: not shown as the answer's sources
    assert bot.inner_text().lower().count("does not cover") == 1
