"""GET /v1/contracts carries the token-risk checks and the lookalike warning, over real HTTP."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from app.api.app import create_app
from app.core.settings import ChainSettings
from app.services import Services
from bench.support.risk_tokens import deploy_risk_fixtures
from bench.support.server import serve
from tests.conftest import SAMPLE, ingest

pytestmark = pytest.mark.integration
Chain = tuple[str, dict[str, str]]
USDC = "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48"
BALANCER_VAULT = "0xBA12222222228d8Ba445958a75a0704d566BF2C8"
MENTIONED = "0x83F20F44975D03b1b09e64809B757c47f942BEeA"


def imitation(real: str) -> str:
    """Same first and last four hex characters, a different middle (lower case: no checksum)."""
    body = real.lower()[2:]
    return "0x" + body[:4] + "0" * 32 + body[-4:]


@pytest.fixture(scope="module")
def risk_tokens(chain: Chain) -> dict[str, str]:
    return deploy_risk_fixtures(chain[0])


@pytest.fixture
def api(services_factory: Callable[..., Services], chain: Chain, tmp_path: Path) -> Iterator[str]:
    chains = ChainSettings.model_validate({"rpc_urls": {"ethereum": chain[0]}})
    services = services_factory(chains=chains)
    kb = tmp_path / "kb"
    kb.mkdir()
    shutil.copy(SAMPLE / "balancer.md", kb / "balancer.md")
    (kb / "exploit.md").write_text(
        "---\ntitle: An exploit write-up\ntype: news\n---\n"
        f"The attacker's contract {MENTIONED} drained the pool in one transaction.\n"
    )
    ingest(services, kb)
    with serve(create_app(services.settings, services)) as base:
        yield base


def test_checks_field_with_evidence(api: str, risk_tokens: dict[str, str]) -> None:
    r = httpx.get(f"{api}/v1/contracts/ethereum/{risk_tokens['fee']}", timeout=30)
    assert r.status_code == 200, r.text
    body = r.json()
    checks = {c["id"]: c for c in body["checks"]}
    assert set(checks) >= {
        "mintable", "pausable", "paused_now", "blacklist", "fee_on_transfer",
        "owner_can_change_fee", "max_tx_limit", "transfer_blocked_for_holders",
        "ownership_renounced", "owner_is_eoa", "owner_is_multisig", "holder_concentration",
        "selfdestruct", "lookalike",
    }  # fmt: skip
    fee = checks["fee_on_transfer"]
    assert fee["status"] == "found" and fee["risk"] is True
    assert set(fee["evidence"]) >= {"method", "params", "block", "result"}
    assert fee["evidence"]["method"] == "eth_call"
    assert fee["evidence"]["block"] == body["block_number"]
    assert "7% fee" in fee["summary"]
    assert checks["lookalike"]["status"] == "not_found"
    assert checks["mintable"]["status"] == "not_found"


def test_lookalike_of_a_curated_token(api: str) -> None:
    fake = imitation(USDC)
    r = httpx.get(f"{api}/v1/contracts/ethereum/{fake}", timeout=30)
    assert r.status_code == 200, r.text
    (check,) = [c for c in r.json()["checks"] if c["id"] == "lookalike"]
    assert check["status"] == "found" and check["risk"] is True
    assert check["details"]["real"] == USDC and check["details"]["chain"] == "ethereum"
    assert USDC in check["summary"] and "address poisoning" in check["summary"]
    assert "(USDC)" in check["summary"] and "Ethereum" in check["summary"]


def test_lookalike_of_a_knowledge_base_address(api: str) -> None:
    r = httpx.get(f"{api}/v1/contracts/ethereum/{imitation(BALANCER_VAULT)}", timeout=30)
    assert r.status_code == 200, r.text
    (check,) = [c for c in r.json()["checks"] if c["id"] == "lookalike"]
    assert check["status"] == "found"
    assert check["details"]["real"] == BALANCER_VAULT
    assert check["details"]["source"] == "knowledge base"
    assert "Balancer" in check["details"]["label"]


def test_lookalike_of_an_address_a_document_only_mentions(api: str) -> None:
    r = httpx.get(f"{api}/v1/contracts/ethereum/{imitation(MENTIONED)}", timeout=30)
    (check,) = [c for c in r.json()["checks"] if c["id"] == "lookalike"]
    assert check["status"] == "found" and check["details"]["real"] == MENTIONED
    assert check["details"]["label"] == "named in An exploit write-up"


def test_the_real_address_is_not_its_own_lookalike(api: str) -> None:
    r = httpx.get(f"{api}/v1/contracts/ethereum/{USDC}", timeout=30)
    assert r.status_code == 200, r.text
    (check,) = [c for c in r.json()["checks"] if c["id"] == "lookalike"]
    assert check["status"] == "not_found"
