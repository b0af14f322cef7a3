"""The page's contract card shows the token-risk checks: found risks in red, unknowns plainly."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from playwright.sync_api import Page, expect

from app.api.app import create_app
from app.core.settings import ChainSettings
from app.services import Services
from bench.support.risk_tokens import deploy_risk_fixtures
from bench.support.server import serve

pytestmark = pytest.mark.integration
Chain = tuple[str, dict[str, str]]
USDC = "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48"
TIMEOUT_MS = 60_000


@pytest.fixture(scope="module")
def risk_tokens(chain: Chain) -> dict[str, str]:
    return deploy_risk_fixtures(chain[0])


@pytest.fixture
def site(services_factory: Callable[..., Services], chain: Chain) -> Iterator[str]:
    chains = ChainSettings.model_validate({"rpc_urls": {"ethereum": chain[0]}})
    services = services_factory(chains=chains)
    with serve(create_app(services.settings, services)) as url:
        yield url


def _ask(page: Page, url: str, question: str) -> None:
    page.goto(url)
    expect(page.locator("body")).to_have_attribute("data-ready", "true")
    page.fill("#question", question)
    page.press("#question", "Enter")
    expect(page.locator('article[data-turn="1"] .feedback')).to_be_visible(timeout=TIMEOUT_MS)


def test_found_risks_in_red_and_unknowns_plainly(
    site: str, risk_tokens: dict[str, str], page: Page
) -> None:
    token = risk_tokens["fee"]
    _ask(page, site, f"Is {token} safe?")
    card = page.locator(".card", has=page.locator(f'.card-head [data-address="{token}"]'))
    fee = card.locator('.check-risks li[data-check="fee_on_transfer"]')
    expect(fee).to_contain_text("a 7% fee")
    expect(fee).to_contain_text("simulated with eth_call at block")
    assert fee.evaluate("e => getComputedStyle(e).color") == "rgb(176, 0, 32)"
    expect(card.locator('.check-risks li[data-check="owner_can_change_fee"]')).to_contain_text(
        "setFee(uint256)"
    )
    expect(card.locator(".check-absent")).to_contain_text("owner minting")
    unknown = card.locator(".check-unknown")
    expect(unknown.locator("summary")).to_contain_text("Could not be checked: paused now")
    assert unknown.evaluate("e => getComputedStyle(e).color") != "rgb(176, 0, 32)"


def test_negative_control_shows_no_red(site: str, risk_tokens: dict[str, str], page: Page) -> None:
    _ask(page, site, f"What is {risk_tokens['clean']}?")
    clean = page.locator(f'.card-head [data-address="{risk_tokens["clean"]}"]')
    card = page.locator(".card", has=clean)
    expect(card.locator(".check-absent")).to_contain_text("a fee on transfer")
    expect(card.locator(".check-risks")).to_have_count(0)
    expect(card.locator(".check-also")).to_contain_text("Ownership is renounced")


def test_a_pasted_lookalike_is_called_out_on_its_card(site: str, page: Page) -> None:
    fake = "0xa0b8" + "2" * 32 + "eb48"
    _ask(page, site, f"Can I send USDC to {fake}?")
    # Above the answer, where it cannot be missed; the card is marked.
    warning = page.locator("ul.warnings li", has_text="address poisoning")
    expect(warning).to_have_count(1)
    expect(warning).to_contain_text("imitates")
    expect(warning.locator(f'.addr[data-address="{USDC}"]')).to_be_visible()
    expect(page.locator(".card.warned")).to_have_count(1)
