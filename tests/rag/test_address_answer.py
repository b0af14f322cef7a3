"""Address answers from facts: the knowledge base, live nodes (anvil) and the token list."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from pathlib import Path

import anyio
import httpx
import pytest
from eth_utils import to_checksum_address

from app.api.app import create_app
from app.core.settings import ChainSettings
from app.rag.answer import Answer
from app.services import Services
from bench.support.anvil import Deployer, anvil
from bench.support.fake_llm import FakeLLM, build_app
from bench.support.server import serve
from tests.conftest import SAMPLE, ingest

pytestmark = pytest.mark.integration
Chain = tuple[str, dict[str, str]]
WETH = "0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2"
ROUTER02 = "0x7a250d5630B4cF539739dF2C5dAcb4c659F2488D"
MULTICALL3 = "0xcA11bde05977b3631167028862bE2a173976CA11"


def ask(services: Services, question: str, history: list[tuple[str, str]] | None = None) -> Answer:
    return anyio.run(lambda: services.answers.answer(question, history=history))


def citations_valid(answer: Answer) -> bool:
    listed = {s.index for s in answer.sources}
    return {int(n) for n in re.findall(r"\[(\d+)\]", answer.answer)} <= listed


def card(folder: Path, address: str, chain: str = "arbitrum") -> Path:
    """A token card as eval/tokens/build.py writes them, for a token only on one chain."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "arbo.md").write_text(
        "---\n"
        'title: "Arb Only (ARBO) on Arbitrum"\n'
        "type: contract\n"
        f"chain: {chain}\n"
        'symbol: "ARBO"\n'
        f'addresses: ["{address}"]\n'
        "---\n"
        f"Arb Only (ARBO) is a token contract on Arbitrum (chain id 42161) at {address}, "
        "with 18 decimals. It is listed in no token list.\n"
    )
    (folder / "other.md").write_text(
        "---\ntitle: Lending basics\ntype: blog\n---\n"
        "Lending protocols let suppliers earn interest from borrowers who post collateral.\n"
    )
    return folder


def test_live_facts_proxy_admin_and_impostor_from_the_node(
    services_factory: Callable[..., Services], chain: Chain, tmp_path: Path
) -> None:
    url, a = chain
    d = Deployer(url)
    # An upgradeable proxy that calls itself USD Coin: the case the warnings exist for.
    init = d.init_data("USD Coin", "USDC", 6, 10**12)
    impostor = d.deploy("TransparentUpgradeableProxy", a["impl"], d.account, init)
    services = services_factory(chains=ChainSettings(rpc_urls={"ethereum": url}))
    ingest(services, card(tmp_path / "kb", "0x" + "ab" * 20))
    answer = ask(services, f"Is {impostor} safe?")
    text = answer.answer
    (facts, admin, owner) = answer.onchain
    assert facts.address == impostor and facts.proxy and facts.proxy.upgrade == "transparent"
    assert admin.address == facts.proxy.admin and admin.is_contract
    assert owner.address == d.account == admin.owner and owner.account_type == "eoa"
    block = facts.block_number
    assert text.startswith(f"**{impostor}** on Ethereum: not in the knowledge base")
    assert f"Live on ethereum, read at block {block}" in text
    assert "Standards detected: ERC20" in text and 'symbol "USDC"' in text
    assert "EIP1967 proxy (transparent)" in text
    assert f"Who can upgrade it: the proxy admin {admin.address}, a contract" in text
    assert f"owned by {d.account}, an externally owned account" in text
    assert f"one externally owned account ({d.account}) controls its upgrades" in text
    assert "NOT the canonical USDC on Ethereum" in text
    assert "in neither the knowledge base nor the curated token list" in text
    # "Is it safe?" gets facts and limits, never a verdict.
    assert "This service gives no verdict" in text
    assert not re.search(r"\b(is|looks) (safe|legit)\b", text.replace("Is it safe?", ""))
    # Each lookup is a numbered source; every [n] points at one; no address is unsourced.
    assert [s.source for s in answer.sources[-3:]] == [
        f"ethereum:{x}" for x in (impostor, admin.address, owner.address)
    ]
    assert citations_valid(answer) and answer.unverified == []


def test_an_address_known_only_on_arbitrum_is_read_on_arbitrum(
    services_factory: Callable[..., Services], chain: Chain, tmp_path: Path
) -> None:
    url, _ = chain
    with anvil(chain_id=42161) as arbitrum:
        token = Deployer(arbitrum).deploy("FixtureToken", "Arb Only", "ARBO", 18, 10**24)
        services = services_factory(
            chains=ChainSettings(rpc_urls={"ethereum": url, "arbitrum": arbitrum})
        )
        ingest(services, card(tmp_path / "kb", token))
        answer = ask(services, f"what is {token.lower()}")
    assert [(f.chain, f.address) for f in answer.onchain] == [("arbitrum", token)]
    assert answer.onchain[0].token and answer.onchain[0].token.symbol == "ARBO"
    text = answer.answer
    assert text.startswith(f"**{token}** on Arbitrum: Arb Only (ARBO) on Arbitrum [1]")
    assert "Live on arbitrum, read at block" in text
    assert not any("on ethereum" in w for w in answer.warnings)
    assert citations_valid(answer) and answer.unverified == []


def test_without_an_rpc_the_knowledge_base_answers_and_says_so(
    services_factory: Callable[..., Services], tmp_path: Path
) -> None:
    token = to_checksum_address("0x" + "ab" * 20)
    services = services_factory()
    ingest(services, card(tmp_path / "kb", token))
    answer = ask(services, f"what is {token}")
    text = answer.answer
    assert answer.onchain == []
    assert text.startswith(f"**{token}** on Arbitrum: Arb Only (ARBO) on Arbitrum [1]")
    assert "What the knowledge base says: Arb Only (ARBO) is a token contract on Arbitrum" in text
    not_read = "live state of this address on Arbitrum was not read (this service is not connected"
    assert f"{not_read} to Arbitrum); what is above comes from the knowledge base" in text
    assert "CRYPTORAG_" not in text
    assert "Lending" not in text  # nothing but the address was asked: no other document
    assert citations_valid(answer) and answer.unverified == []


@pytest.fixture
def weth_kb(tmp_path: Path) -> Path:
    """WETH among the documents whose addresses the old follow-up answer picked."""
    folder = tmp_path / "weth-kb"
    folder.mkdir()
    for name in ("weth.md", "uniswap.md", "protocols.yaml", "usdc.md", "aave.md"):
        shutil.copy(SAMPLE / name, folder)
    return folder


def test_follow_up_gets_the_address_of_what_was_asked_before(
    services_factory: Callable[..., Services], weth_kb: Path
) -> None:
    services = services_factory()
    ingest(services, weth_kb)
    first = ask(services, "What is WETH?")
    history = [("user", "What is WETH?"), ("assistant", first.answer)]
    follow = ask(services, "what is its contract address?", history)
    assert follow.mode == "extractive"
    assert WETH in follow.answer, follow.answer
    assert ROUTER02 not in follow.answer and MULTICALL3 not in follow.answer
    assert citations_valid(follow) and follow.unverified == []


def test_follow_up_on_the_openai_route(
    services_factory: Callable[..., Services], weth_kb: Path
) -> None:
    services = services_factory()
    ingest(services, weth_kb)
    with serve(create_app(services.settings, services)) as base:
        r = httpx.post(
            f"{base}/v1/chat/completions",
            json={
                "model": "cryptorag",
                "messages": [
                    {"role": "user", "content": "What is WETH?"},
                    {"role": "assistant", "content": "WETH is wrapped ether."},
                    {"role": "user", "content": "what is its contract address?"},
                ],
            },
            timeout=60,
        )
    assert r.status_code == 200, r.text
    content = r.json()["choices"][0]["message"]["content"]
    assert WETH in content, content
    assert ROUTER02 not in content and MULTICALL3 not in content


def test_with_a_model_the_same_facts_are_fenced_in_the_hidden_prompt(
    services_factory: Callable[..., Services], chain: Chain, tmp_path: Path
) -> None:
    url, a = chain
    state = FakeLLM(default_reply="It is a proxy [1].")
    with serve(build_app(state)) as llm:
        services = services_factory(
            chains=ChainSettings(rpc_urls={"ethereum": url}), base_url=llm + "/v1", model="m"
        )
        ingest(services, card(tmp_path / "kb", "0x" + "ab" * 20))
        answer = ask(services, f"what is {a['transparent']}?")
    assert answer.mode == "llm"
    system = state.requests[-1]["messages"][0]["content"]
    rules, fenced = system.rsplit("<onchain>", 1)
    block = fenced.split("</onchain>")[0]
    facts = block.split("<address_facts>")[1].split("</address_facts>")[0]
    assert f"**{a['transparent']}** on Ethereum: not in the knowledge base" in facts
    assert "Who can upgrade it: the proxy admin" in facts
    assert "controls its upgrades" in facts
    # The deployer's strings stay inside the fence, escaped like the documents.
    assert "Proxied Dollar" in facts and "Proxied Dollar" not in rules
    assert "<address_facts>" not in answer.answer
