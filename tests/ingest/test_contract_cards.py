"""Contract cards from token lists and chain:address entries, read from anvil."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from web3 import HTTPProvider, Web3

from app.chain.rpc import ChainRpc
from app.core.settings import ChainSettings
from app.services import Services
from bench.support.anvil import free_port
from ingest.pipeline import Pipeline

pytestmark = pytest.mark.integration
Chain = tuple[str, dict[str, str]]
ARB_USDC = "0xaf88d065e77c8cC2239327C5EDb3A432268e5831"


def _tokenlist(folder: Path, address: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    tokens = [
        {
            "chainId": 1,
            "address": address,
            "name": "Fixture Token",
            "symbol": "FIX",
            "decimals": 18,
        },
        {
            "chainId": 42161,
            "address": ARB_USDC,
            "name": "USD Coin",
            "symbol": "USDC",
            "decimals": 6,
        },
        {"chainId": 999999, "address": ARB_USDC, "name": "Elsewhere", "symbol": "X", "decimals": 6},
    ]
    path = folder / "fixture.tokenlist.json"
    path.write_text(json.dumps({"name": "Fixture List", "tokens": tokens}))
    return path


def _cards(services: Services) -> dict[str, str]:
    return {
        c.source: c.text
        for c in services.store.all_chunks()
        if c.type == "contract" and c.metadata.get("contract_card")
    }


def test_tokenlist_cards_live_and_listed_only(
    services_factory: Callable[..., Services], chain: Chain, tmp_path: Path
) -> None:
    url, a = chain
    services = services_factory(chains=ChainSettings(rpc_urls={"ethereum": url}, block_ttl_s=0))
    pipeline = Pipeline.from_services(services)
    path = _tokenlist(tmp_path / "lists", a["token18"])
    report = pipeline.ingest_paths([path])
    assert (report.written, report.failed) == (2, False)
    cards = _cards(services)
    live = cards[f"ethereum:{a['token18']}"]
    assert "The Fixture List token list names" in live
    assert f"total supply {10**24} base units" in live and "ERC20" in live
    listed = cards[f"arbitrum:{ARB_USDC}"]
    assert "On-chain state not read: no RPC URL is configured for arbitrum" in listed
    (hit,) = services.store.by_addresses([a["token18"]], limit=5)
    assert hit.title == "Fixture Token (FIX) on Ethereum"
    assert hit.subject_addresses == [a["token18"]]

    # A new block with the same state rewrites nothing; a changed supply rewrites the card.
    w3 = Web3(HTTPProvider(url))
    w3.provider.make_request("evm_mine", [])  # type: ignore[arg-type]
    assert pipeline.ingest_paths([path]).unchanged == 2
    new_supply = "0x" + (7 * 10**24).to_bytes(32, "big").hex()
    w3.provider.make_request("anvil_setStorageAt", [a["token18"], "0x2", new_supply])  # type: ignore[arg-type]
    w3.provider.make_request("evm_mine", [])  # type: ignore[arg-type]
    try:
        again = pipeline.ingest_paths([path])
        assert (again.written, again.unchanged) == (1, 1)
        assert (
            f"total supply {7 * 10**24} base units" in _cards(services)[f"ethereum:{a['token18']}"]
        )
    finally:
        old = "0x" + (10**24).to_bytes(32, "big").hex()
        w3.provider.make_request("anvil_setStorageAt", [a["token18"], "0x2", old])  # type: ignore[arg-type]


def test_chain_refs_and_a_node_that_goes_down(
    services_factory: Callable[..., Services],
    chain: Chain,
    embedder: object,
) -> None:
    url, a = chain
    services = services_factory(chains=ChainSettings(rpc_urls={"ethereum": url}))
    report = Pipeline.from_services(services).ingest_contracts(
        [f"ethereum:{a['uups']}", f"mainnet:{a['hostile'].lower()}", "ethereum:0x1234"]
    )
    assert report.written == 2
    assert report.skipped == [("ethereum:0x1234", "'ethereum:0x1234' is not chain:0x-address")]
    cards = _cards(services)
    assert f"implementation is {a['impl']}" in cards[f"ethereum:{a['uups']}"]
    hostile = cards[f"ethereum:{a['hostile']}"]
    assert "\u202e" not in hostile and "A" * 100 not in hostile
    assert "reads like instructions" in hostile
    # The node goes away: the cards are reported as not refreshed and stay stored.
    down = Pipeline.from_services(services)
    down.cards.inspector.clients["ethereum"] = ChainRpc(  # type: ignore[union-attr]
        "ethereum", f"http://127.0.0.1:{free_port()}", retries=0
    )
    failed = down.ingest_contracts([f"ethereum:{a['uups']}"])
    assert failed.written == 0 and "cannot reach the ethereum RPC node" in failed.skipped[0][1]
    assert f"ethereum:{a['uups']}" in _cards(services)
