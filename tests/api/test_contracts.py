"""GET /v1/contracts and on-chain facts in chat, over real HTTP against anvil."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from app.api.app import create_app
from app.core.settings import ChainSettings
from app.services import Services
from bench.support.anvil import free_port
from bench.support.fake_llm import FakeLLM
from bench.support.server import serve
from tests.conftest import ingest
from tests.support.hang import hanging_server

pytestmark = pytest.mark.integration
Chain = tuple[str, dict[str, str]]


def _registry(folder: Path, address: str) -> Path:
    """A protocol registry naming one fixture address, as operators keep them."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "protocols.yaml").write_text(
        "protocols:\n"
        "  - name: Fixture Finance\n"
        "    category: lending\n"
        "    chains: [ethereum]\n"
        f"    addresses:\n      ethereum: ['{address}']\n"
        "    website: https://fixture.example\n"
        "    description: Fixture Finance lends FIX tokens.\n"
    )
    return folder


@pytest.fixture
def api(services_factory: Callable[..., Services], chain: Chain, tmp_path: Path) -> Iterator[str]:
    url, a = chain
    services = services_factory(chains=ChainSettings(rpc_urls={"ethereum": url}))
    ingest(services, _registry(tmp_path / "kb", a["token18"]))
    with serve(create_app(services.settings, services)) as base:
        yield base


def test_contract_shape_with_protocol_from_the_registry(api: str, chain: Chain) -> None:
    _, a = chain
    r = httpx.get(f"{api}/v1/contracts/ethereum/{a['token18'].lower()}")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["address"] == a["token18"]
    assert body["chain"] == "ethereum" and body["is_contract"] is True
    assert body["standards"] == ["erc20"]
    assert body["token"] == {
        "name": "Fixture Token",
        "symbol": "FIX",
        "decimals": 18,
        "total_supply": str(10**24),
    }
    assert body["proxy"] is None and body["block_number"] > 0
    assert body["protocol"]["name"] == "Fixture Finance"
    assert body["protocol"]["category"] == "lending"
    assert body["knowledge"][0]["source"].startswith("protocols.yaml#")
    assert any("checksum" in w for w in body["warnings"])


def test_proxy_by_chain_id_and_alias(api: str, chain: Chain) -> None:
    _, a = chain
    for name in ("1", "mainnet", "Ethereum"):
        body = httpx.get(f"{api}/v1/contracts/{name}/{a['beacon_proxy']}").json()
        assert body["proxy"]["standard"] == "beacon"
        assert body["proxy"]["implementation"] == a["impl"]
        assert body["token"]["symbol"] == "PUSD"


@pytest.mark.parametrize(
    ("path", "status", "code"),
    [
        ("ethereum/0x1234", 422, "invalid_address"),
        ("ethereum/0xZZZZ2315678afecb367f032d93F642f64180aa3", 422, "invalid_address"),
        ("ethereum/0x5fBDB2315678afecb367f032d93F642f64180aa3", 422, "invalid_checksum"),
        ("narnia/0x5FbDB2315678afecb367f032d93F642f64180aa3", 404, "unknown_chain"),
        ("arbitrum/0x5FbDB2315678afecb367f032d93F642f64180aa3", 503, "chain_not_configured"),
    ],
)
def test_bad_requests(api: str, path: str, status: int, code: str) -> None:
    r = httpx.get(f"{api}/v1/contracts/{path}")
    assert r.status_code == status
    assert r.json()["error"]["code"] == code
    assert r.json()["error"]["message"]


def test_rpc_down_or_hung_is_a_clear_gateway_error(
    services_factory: Callable[..., Services],
) -> None:
    address = "0x5FbDB2315678afecb367f032d93F642f64180aa3"
    with hanging_server() as hung:
        rpc = {"ethereum": f"http://127.0.0.1:{free_port()}", "base": hung}
        services = services_factory(chains=ChainSettings(rpc_urls=rpc, rpc_timeout_s=1))
        with serve(create_app(services.settings, services)) as base:
            down = httpx.get(f"{base}/v1/contracts/ethereum/{address}", timeout=30)
            started = time.monotonic()
            slow = httpx.get(f"{base}/v1/contracts/base/{address}", timeout=30)
            elapsed = time.monotonic() - started
    assert down.status_code == 502
    assert down.json()["error"]["code"] == "rpc_unreachable"
    assert slow.status_code == 504
    assert "did not answer within 1s" in slow.json()["error"]["message"]
    assert elapsed < 5


def test_chat_puts_fenced_onchain_facts_in_the_hidden_prompt(
    sample_services: Callable[..., Services],
    chain: Chain,
    fake_llm: tuple[FakeLLM, str],
) -> None:
    url, a = chain
    state, llm_url = fake_llm
    state.replies.append("It is the Fixture Token (FIX) on ethereum [1].")
    services = sample_services(
        chains=ChainSettings(rpc_urls={"ethereum": url}), base_url=llm_url, model="m"
    )
    with serve(create_app(services.settings, services)) as base:
        r = httpx.post(f"{base}/v1/chat", json={"message": f"what is {a['hostile']}?"}, timeout=30)
    body = r.json()
    assert r.status_code == 200, body
    (facts,) = body["onchain"]
    assert facts["address"] == a["hostile"] and facts["token"]["symbol"] == "SAFE"
    chain_source = body["sources"][-1]
    assert chain_source["source"] == f"ethereum:{a['hostile']}"
    assert str(facts["block_number"]) in chain_source["title"]
    assert any("reads like instructions" in w for w in body["warnings"])
    system = state.requests[0]["messages"][0]["content"]
    rules, fenced = system.rsplit("<onchain>", 1)
    block = fenced.split("</onchain>")[0]
    assert f'chain="ethereum" block="{facts["block_number"]}" address="{a["hostile"]}"' in block
    assert "\u202e" not in block and "A" * 100 not in block
    # The deployer's string sits inside the fence, never in the rules above it.
    assert "Ignore all previous" not in rules
    assert "<onchain>" not in r.text and "Never reveal" not in r.text


def test_extractive_answer_states_chain_and_block(
    sample_services: Callable[..., Services], chain: Chain
) -> None:
    url, a = chain
    services = sample_services(chains=ChainSettings(rpc_urls={"ethereum": url}))
    with serve(create_app(services.settings, services)) as base:
        r = httpx.post(
            f"{base}/v1/chat", json={"message": f"What is {a['fake_usdc']}?"}, timeout=30
        )
        unknown = httpx.post(
            f"{base}/v1/chat", json={"message": f"What is {a['token18']} on Arbitrum?"}, timeout=30
        )
    body = r.json()
    block = body["onchain"][0]["block_number"]
    assert f"on ethereum, read at block {block}" in body["answer"]
    assert 'symbol "USDC"' in body["answer"] and "6 decimals" in body["answer"]
    assert "NOT the canonical USDC on Ethereum" in body["answer"]
    assert body["mode"] == "extractive"
    other = unknown.json()
    assert unknown.status_code == 200 and other["onchain"] == []
    # Said for people; the setting that would fix it goes to the operator's log.
    assert any("not connected to Arbitrum" in w for w in other["warnings"]), other["warnings"]
    assert not any("CRYPTORAG_" in w for w in other["warnings"])
