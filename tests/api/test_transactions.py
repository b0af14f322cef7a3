"""GET /v1/transactions and transaction hashes in chat, over real HTTP against anvil."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from app.api.app import create_app
from app.core.settings import ChainSettings
from app.services import Services
from bench.support.anvil import free_port
from bench.support.fake_llm import FakeLLM
from bench.support.server import serve
from bench.support.transactions import send_transactions

pytestmark = pytest.mark.integration
Chain = tuple[str, dict[str, str]]


@pytest.fixture(scope="module")
def sent(chain: Chain) -> dict[str, Any]:
    return send_transactions(*chain)


@pytest.fixture
def api(services_factory: Callable[..., Services], chain: Chain) -> Iterator[str]:
    services = services_factory(chains=ChainSettings(rpc_urls={"ethereum": chain[0]}))
    with serve(create_app(services.settings, services)) as base:
        yield base


def test_transaction_shape(api: str, sent: dict[str, Any]) -> None:
    bob = sent["accounts"]["bob"]
    tx_hash = sent["hashes"]["approve_eoa"]
    r = httpx.get(f"{api}/v1/transactions/ethereum/{tx_hash.upper().replace('0X', '0x')}")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["hash"] == tx_hash and body["status"] == "success"
    assert body["from"] == sent["accounts"]["me"] and body["trace"] == "call_tracer"
    (approval,) = body["approvals"]
    assert approval["spender"] == bob and approval["unlimited"] and approval["risky"]
    assert approval["spender_kind"] == "eoa"
    assert body["lead"] == f"Approved {bob} to spend an unlimited amount of FIX."
    assert body["explanation"][0] == {"text": body["lead"], "evidence": ["log 0"]}
    anywhere = httpx.get(f"{api}/v1/transactions/{tx_hash}")
    assert anywhere.status_code == 200 and anywhere.json()["chain"] == "ethereum"


@pytest.mark.parametrize(
    ("path", "status", "code"),
    [
        ("ethereum/0x1234", 422, "invalid_tx_hash"),
        ("ethereum/0x5FbDB2315678afecb367f032d93F642f64180aa3", 422, "invalid_tx_hash"),
        ("ethereum/0x" + "ab" * 32, 404, "transaction_not_found"),
        ("0x" + "ab" * 32, 404, "transaction_not_found"),
        ("narnia/0x" + "ab" * 32, 404, "unknown_chain"),
        ("arbitrum/0x" + "ab" * 32, 503, "chain_not_configured"),
    ],
)
def test_bad_requests(api: str, path: str, status: int, code: str) -> None:
    r = httpx.get(f"{api}/v1/transactions/{path}")
    assert r.status_code == status, r.text
    assert r.json()["error"]["code"] == code and r.json()["error"]["message"]


def test_rpc_down_is_the_contracts_routes_error(
    services_factory: Callable[..., Services],
) -> None:
    rpc = {"ethereum": f"http://127.0.0.1:{free_port()}"}
    services = services_factory(chains=ChainSettings(rpc_urls=rpc, rpc_timeout_s=1))
    with serve(create_app(services.settings, services)) as base:
        down = httpx.get(f"{base}/v1/transactions/ethereum/0x{'ab' * 32}", timeout=30)
    assert down.status_code == 502 and down.json()["error"]["code"] == "rpc_unreachable"


def test_chat_explains_a_hash_with_its_evidence(api: str, sent: dict[str, Any]) -> None:
    me, alice = sent["accounts"]["me"], sent["accounts"]["alice"]
    tx_hash = sent["hashes"]["erc20"]
    r = httpx.post(f"{api}/v1/chat", json={"message": f"What did {tx_hash} do?"}, timeout=60)
    body = r.json()
    assert r.status_code == 200, body
    (source,) = [s for s in body["sources"] if s["source"] == f"ethereum:{tx_hash}"]
    n = body["sources"].index(source) + 1
    assert body["answer"].startswith(f"Transferred 1.5 FIX from {me} to {alice}. (log 0) [{n}]")
    assert f"(receipt.gasUsed, receipt.effectiveGasPrice) [{n}]" in body["answer"]
    assert body["answerable"] and body["unverified_addresses"] == []
    (facts,) = body["transactions"]  # the decoded transaction, for cards
    assert facts["hash"] == tx_hash and facts["token_movements"][0]["from"] == me
    # A follow-up keeps the transaction as what is asked about.
    again = httpx.post(
        f"{api}/v1/chat",
        json={"message": "and who received the tokens?", "session_id": body["session_id"]},
        timeout=60,
    ).json()
    assert f"to {alice}. (log 0)" in again["answer"]
    assert any(s["source"] == f"ethereum:{tx_hash}" for s in again["sources"])


def test_chat_stream_and_openai_route(api: str, sent: dict[str, Any]) -> None:
    tx_hash = sent["hashes"]["fail_string"]
    lead = "Failed: the FAIL token's transfer reverted with 'Transfer failed'."
    question = f"why did my transaction {tx_hash} fail?"
    with httpx.stream(
        "POST", f"{api}/v1/chat", json={"message": question, "stream": True}, timeout=60
    ) as r:
        events = [json.loads(line[5:]) for line in r.iter_lines() if line.startswith("data:")]
    assert any(s["source"] == f"ethereum:{tx_hash}" for s in events[0]["sources"])
    text = "".join(e.get("text", "") for e in events)
    assert lead in text
    openai = httpx.post(
        f"{api}/v1/chat/completions",
        json={"model": "cryptorag", "messages": [{"role": "user", "content": question}]},
        timeout=60,
    ).json()
    assert lead in openai["choices"][0]["message"]["content"]


def test_model_reads_the_fenced_transaction(
    services_factory: Callable[..., Services],
    chain: Chain,
    sent: dict[str, Any],
    fake_llm: tuple[FakeLLM, str],
) -> None:
    state, llm_url = fake_llm
    state.replies.append("It moved 1.5 FIX [1].")
    services = services_factory(
        chains=ChainSettings(rpc_urls={"ethereum": chain[0]}), base_url=llm_url, model="m"
    )
    tx_hash = sent["hashes"]["fail_string"]
    with serve(create_app(services.settings, services)) as base:
        r = httpx.post(f"{base}/v1/chat", json={"message": f"what did {tx_hash} do?"}, timeout=60)
    assert r.status_code == 200 and r.json()["mode"] == "llm", r.text
    system = state.requests[-1]["messages"][0]["content"]
    block = system.rsplit("<onchain>", 1)[1].split("</onchain>")[0]
    assert f'<transaction index="1" chain="ethereum" hash="{tx_hash}"' in block
    assert "- Failed: the FAIL token's transfer reverted with 'Transfer failed'. " in block
    assert "(receipt.status, frame 0)" in block and "no on-chain lookup" not in block


def test_a_chinese_question_gets_the_explanation_in_chinese(api: str, sent: dict[str, Any]) -> None:
    me, alice = sent["accounts"]["me"], sent["accounts"]["alice"]
    tx_hash = sent["hashes"]["erc20"]
    body = httpx.post(
        f"{api}/v1/chat", json={"message": f"这笔交易 {tx_hash} 做了什么？"}, timeout=60
    ).json()
    assert body["language"] == "zh"
    assert body["answer"].startswith(f"从 {me} 向 {alice} 转账 1.5 FIX。 (log 0) [")
