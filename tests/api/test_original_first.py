"""Over /v1/chat: a symbol many chains carry is answered with its original first."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from app.api.app import create_app
from app.services import Services
from bench.support.server import serve
from tests.conftest import ingest

pytestmark = pytest.mark.integration
TOKENS = Path(__file__).resolve().parents[2] / "eval" / "tokens" / "docs"
ADDRESS = re.compile(r"0x[0-9a-fA-F]{40}")
CARDS = ("weth", "wbtc", "usdc", "usdc-e")
FIRST = {
    "What is WETH?": "0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2",
    "What is Wrapped Ether?": "0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2",
    "What is WBTC?": "0x2260FAC5E5542a773Aa44fBCfeDf7C193bc2C599",
    "What is USDC?": "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48",
    "What is USDC on Arbitrum?": "0xaf88d065e77c8cC2239327C5EDb3A432268e5831",
}


def test_first_address_is_the_original_and_the_others_are_also_on(
    sample_services: Callable[..., Services], tmp_path: Path
) -> None:
    cards = tmp_path / "cards"
    cards.mkdir()
    for card in TOKENS.glob("*.md"):
        if card.name.rsplit("-", 2)[0] in CARDS:
            shutil.copy(card, cards / card.name)
    services = sample_services()
    ingest(services, cards)
    with serve(create_app(services.settings, services)) as url:
        for question, address in FIRST.items():
            r = httpx.post(f"{url}/v1/chat", json={"message": question}, timeout=60)
            assert r.status_code == 200, r.text
            body = r.json()
            assert ADDRESS.findall(body["answer"])[0] == address, question
            assert "Also on:" in body["answer"], question
            assert body["unverified_addresses"] == [], question
        r = httpx.post(f"{url}/v1/chat", json={"message": "What is WETH?"}, timeout=60)
        assert r.json()["sources"][0]["source"] == "weth.md"  # the article, not a card
