"""A transaction hash asked on the chat page: the explanation and its source, shown inert."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from playwright.sync_api import Page, expect

from app.api.app import create_app
from app.core.settings import ChainSettings
from app.services import Services
from bench.support.server import serve
from bench.support.transactions import send_transactions

pytestmark = pytest.mark.integration
Chain = tuple[str, dict[str, str]]


@pytest.fixture
def site(services_factory: Callable[..., Services], chain: Chain) -> Iterator[str]:
    """The app without a model (the extractive answer), reading the fixture chain."""
    services = services_factory(chains=ChainSettings(rpc_urls={"ethereum": chain[0]}))
    with serve(create_app(services.settings, services)) as url:
        yield url


def test_the_page_shows_the_explanation_with_its_evidence(
    site: str, chain: Chain, page: Page
) -> None:
    sent = send_transactions(*chain)
    bob, tx_hash = sent["accounts"]["bob"], sent["hashes"]["approve_eoa"]
    page.goto(site)
    expect(page.locator("body")).to_have_attribute("data-ready", "true")
    page.fill("#question", f"What did {tx_hash} do?")
    page.press("#question", "Enter")
    bot = page.locator('article[data-turn="1"] .msg.bot')
    expect(bot.locator(".feedback")).to_be_visible(timeout=60_000)
    text = " ".join(bot.inner_text().split())
    assert "to spend an unlimited amount of FIX. (log 0) [1]" in text
    assert "(receipt.gasUsed, receipt.effectiveGasPrice) [1]" in text
    # The spender is one of the answer's addresses (shortened, copyable, with its full form),
    # and the warning that it is a key, not a contract, is shown.
    expect(bot.locator(f'.addr[data-address="{bob}"]').first).to_be_visible()
    assert "is an externally owned account (a key, not a contract)" in text
    # Its card sums it up below the answer.
    card = bot.locator(f'section.card.tx[aria-label="Transaction {tx_hash}"]')
    expect(card).to_be_visible()
    card_text = " ".join(card.inner_text().split())
    assert "Ethereum" in card_text and "succeeded" in card_text and "block " in card_text
    assert "Function approve(address,uint256)" in card_text
    assert (
        "Approved unlimited FIX → " in card_text and "⚠ a key or an unknown contract" in card_text
    )
    expect(card.locator(f'.addr[data-address="{bob}"]')).to_have_count(1)
    assert "warned" in (card.get_attribute("class") or "")
    link = card.locator("a.explorer").first
    assert link.get_attribute("href") == f"https://etherscan.io/tx/{tx_hash}"
