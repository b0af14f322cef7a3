"""The transaction explainer against real transactions on anvil."""

from __future__ import annotations

from typing import Any

import pytest
from web3 import HTTPProvider, Web3
from web3.types import RPCEndpoint

from app.chain.canonical import CanonicalTokens
from app.chain.inspector import Inspector
from app.chain.rpc import ChainRpc
from app.chain.tx.models import TransactionFacts
from app.chain.tx.service import TransactionExplainer
from app.core.errors import BadRequest, NotFound, UpstreamError
from app.i18n.catalog import speaking
from bench.support.anvil import anvil, free_port
from bench.support.transactions import PAIR, USDC_LOOKALIKE
from tests.support.slow_rpc import stalling_relay

pytestmark = pytest.mark.integration
USDC = "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48"


def explainer(url: str) -> TransactionExplainer:
    return TransactionExplainer(
        Inspector({"ethereum": ChainRpc("ethereum", url)}, CanonicalTokens.load())
    )


@pytest.fixture(scope="module")
def ex(sent: dict[str, Any]) -> TransactionExplainer:
    return explainer(sent["url"])


def evidence(facts: Any) -> list[str]:
    return [e for s in facts.explanation for e in s.evidence]


def test_erc20_transfer(ex: TransactionExplainer, sent: dict[str, Any]) -> None:
    me, alice = sent["accounts"]["me"], sent["accounts"]["alice"]
    facts = ex.explain(sent["hashes"]["erc20"])
    assert facts.status == "success" and facts.chain == "ethereum" and facts.trace == "call_tracer"
    assert facts.call.function == "transfer(address,uint256)"
    assert [a.value for a in facts.call.args] == [alice, str(15 * 10**17)]
    (move,) = facts.token_movements
    assert (move.symbol, move.decimals, move.amount_display) == ("FIX", 18, "1.5")
    assert (move.from_, move.to, move.standard) == (me, alice, "erc20")
    assert facts.lead == f"Transferred 1.5 FIX from {me} to {alice}."
    assert facts.explanation[0].evidence == [f"log {move.log_index}"]
    assert all(s.evidence for s in facts.explanation)
    assert {"receipt.status", "receipt.gasUsed", "transaction.input"} <= set(evidence(facts))
    assert facts.gas_used and facts.fee and int(facts.fee) > 0 and facts.time
    assert facts.round_trips == 2
    dumped = facts.model_dump(mode="json")
    assert dumped["from"] == me and dumped["token_movements"][0]["from"] == me
    assert TransactionFacts.model_validate(dumped) == facts  # a client reads the JSON back


def test_unlimited_approval_to_an_eoa_is_flagged(
    ex: TransactionExplainer, sent: dict[str, Any]
) -> None:
    bob = sent["accounts"]["bob"]
    facts = ex.explain(sent["hashes"]["approve_eoa"])
    (ap,) = facts.approvals
    assert ap.unlimited and ap.spender == bob and ap.spender_kind == "eoa" and ap.risky
    assert facts.lead == f"Approved {bob} to spend an unlimited amount of FIX."
    warning = next(s for s in facts.explanation if s.text.startswith("Warning"))
    assert "externally owned account" in warning.text
    assert warning.evidence == [f"log {ap.log_index}", f"eth_getCode {bob}"]


def test_limited_approval_to_a_contract_is_not_flagged(
    ex: TransactionExplainer, sent: dict[str, Any]
) -> None:
    facts = ex.explain(sent["hashes"]["approve_some"])
    (ap,) = facts.approvals
    assert not ap.unlimited and ap.spender_kind == "contract" and not ap.risky
    assert facts.lead == f"Approved {sent['batcher']} to spend 5 FIX."


def test_failed_transfer_with_a_reason_string(
    ex: TransactionExplainer, sent: dict[str, Any]
) -> None:
    facts = ex.explain(sent["hashes"]["fail_string"])
    assert facts.status == "failed" and facts.revert is not None
    assert (facts.revert.kind, facts.revert.reason, facts.revert.frame) == (
        "error_string", "Transfer failed", "0",
    )  # fmt: skip
    assert facts.lead == "Failed: the FAIL token's transfer reverted with 'Transfer failed'."
    assert facts.explanation[0].evidence == ["receipt.status", "frame 0"]


def test_failed_transfer_with_a_custom_error(
    ex: TransactionExplainer, sent: dict[str, Any]
) -> None:
    carol = sent["accounts"]["carol"]
    facts = ex.explain(sent["hashes"]["fail_custom"])
    assert facts.revert is not None and facts.revert.kind == "custom_error"
    assert facts.revert.reason == "ERC20InsufficientBalance(address,uint256,uint256)"
    assert [a.value for a in facts.revert.args] == [carol, "0", str(10**18)]
    assert facts.lead == (
        "Failed: the FIX token's transfer reverted with the error "
        "ERC20InsufficientBalance(address,uint256,uint256)."
    )


def test_internal_eth_transfers_from_the_trace(
    ex: TransactionExplainer, sent: dict[str, Any]
) -> None:
    alice, bob = sent["accounts"]["alice"], sent["accounts"]["bob"]
    facts = ex.explain(sent["hashes"]["split"])
    inner = [(m.frame, m.to, m.value) for m in facts.eth_movements if m.frame != "0"]
    assert inner == [("0.0", alice, str(5 * 10**17)), ("0.1", bob, str(5 * 10**17))]
    assert facts.eth_movements[0].frame == "0" and facts.eth_movements[0].value == str(10**18)
    texts = [s.text for s in facts.explanation if s.evidence == ["frame 0.0"]]
    assert any(f"0.5 ETH moved from {sent['batcher']} to {alice}" in t for t in texts)


def test_batch_inner_calls_are_decoded(ex: TransactionExplainer, sent: dict[str, Any]) -> None:
    alice = sent["accounts"]["alice"]
    facts = ex.explain(sent["hashes"]["batch"])
    assert facts.call.function is None and facts.call.selector  # the fixture's own function
    assert facts.lead.startswith(f"Called an unknown function {facts.call.selector} on ")
    frames = {c.frame: c for c in facts.calls}
    assert frames["0.0"].to == alice and frames["0.0"].value == str(10**17)
    assert frames["0.1"].function == "balanceOf(address)"
    assert frames["0.1"].args[0].value == alice


def test_failure_inside_a_batch_names_the_inner_frame(
    ex: TransactionExplainer, sent: dict[str, Any]
) -> None:
    facts = ex.explain(sent["hashes"]["batch_fail"])
    assert facts.revert is not None and facts.revert.frame == "0.0"
    assert facts.lead == "Failed: the FAIL token's transfer reverted with 'Transfer failed'."
    assert facts.explanation[0].evidence == ["receipt.status", "frame 0.0"]


def test_unknown_function_and_unknown_custom_error(
    ex: TransactionExplainer, sent: dict[str, Any]
) -> None:
    facts = ex.explain(sent["hashes"]["unknown_function"])
    assert facts.call.function is None and facts.call.selector == "0x" + facts.call.selector[2:]
    assert f"an unknown function {facts.call.selector}" in facts.lead
    guarded = ex.explain(sent["hashes"]["guarded"])
    assert guarded.revert is not None and guarded.revert.reason == "Unauthorized(address)"


def test_nft_and_plain_eth_transfers(ex: TransactionExplainer, sent: dict[str, Any]) -> None:
    me, alice, bob = (sent["accounts"][k] for k in ("me", "alice", "bob"))
    nft = ex.explain(sent["hashes"]["nft"])
    (move,) = nft.token_movements
    assert (move.standard, move.token_id, move.symbol) == ("erc721", "1", "FPUNK")
    assert nft.lead == f"Transferred FPUNK #1 from {me} to {alice}."
    eth = ex.explain(sent["hashes"]["eth"])
    assert eth.lead == f"Sent 2 ETH from {me} to {bob}."
    assert eth.explanation[0].evidence == ["transaction.value"]


def test_unknown_and_malformed_hashes(ex: TransactionExplainer) -> None:
    with pytest.raises(NotFound) as missing:
        ex.explain("0x" + "ab" * 32)
    assert missing.value.code == "transaction_not_found"
    with pytest.raises(BadRequest) as bad:
        ex.explain("0x1234")
    assert bad.value.code == "invalid_tx_hash"


def test_node_without_the_debug_api(sent: dict[str, Any]) -> None:
    refuse = lambda call: call.get("method") == "debug_traceTransaction"  # noqa: E731
    with stalling_relay(sent["url"], set(), refuse) as url:
        facts = explainer(url).explain(sent["hashes"]["fail_string"])
        split = explainer(url).explain(sent["hashes"]["split"])
    assert facts.trace == "unavailable" and facts.revert is None
    assert facts.lead.startswith("Failed: the transaction reverted; the node offers no call trace")
    assert any(s.text.startswith("Not seen:") for s in facts.explanation)
    assert [m.frame for m in split.eth_movements] == ["0"]  # the internal moves are not seen


def test_lookalikes_of_listed_tokens_and_of_each_other(
    ex: TransactionExplainer, sent: dict[str, Any]
) -> None:
    listed = ex.explain(sent["hashes"]["poison_listed"])
    (check,) = listed.checks
    assert check.status == "found" and check.details["real"] == USDC
    assert check.evidence is not None and check.evidence.params[0] == USDC_LOOKALIKE
    warning = next(s for s in listed.explanation if s.text.startswith("Warning: "))
    assert USDC_LOOKALIKE in warning.text and warning.evidence == [f"lookalike {USDC_LOOKALIKE}"]
    pair = ex.explain(sent["hashes"]["poison_pair"])
    (said,) = pair.checks  # one warning for the pair, not one each way
    assert {said.evidence.params[0], said.details["real"]} == set(PAIR)  # type: ignore[union-attr]
    assert said.details["label"] == "another address in this transaction"
    assert [m.to for m in pair.token_movements] == PAIR


def test_a_call_through_a_proxy(ex: TransactionExplainer, sent: dict[str, Any]) -> None:
    me, alice = sent["accounts"]["me"], sent["accounts"]["alice"]
    facts = ex.explain(sent["hashes"]["proxy"])
    assert facts.lead == f"Transferred 2.5 PRX from {me} to {alice}."
    assert facts.call.to == sent["proxy"] and facts.call.function == "transfer(address,uint256)"
    (inner,) = facts.calls
    assert (inner.frame, inner.type, inner.to) == ("0.0", "DELEGATECALL", sent["proxy_impl"])
    assert inner.function == "transfer(address,uint256)"
    said = next(s for s in facts.explanation if s.evidence == ["frame 0.0"])
    assert said.text.endswith("(DELEGATECALL).")


def test_a_pending_transaction_is_said_pending_and_not_cached(sent: dict[str, Any]) -> None:
    me, bob = sent["accounts"]["me"], sent["accounts"]["bob"]
    w3 = Web3(HTTPProvider(sent["url"]))
    ex = explainer(sent["url"])
    w3.provider.make_request(RPCEndpoint("evm_setAutomine"), [False])
    try:
        tx_hash = "0x" + bytes(w3.eth.send_transaction({"from": me, "to": bob, "value": 1})).hex()
        pending = ex.explain(tx_hash)
    finally:
        w3.provider.make_request(RPCEndpoint("evm_setAutomine"), [True])
        w3.provider.make_request(RPCEndpoint("evm_mine"), [])
    assert pending.status == "pending" and pending.block_number is None
    assert pending.lead == "Pending: the transaction is not in a block yet."
    assert ex.explain(tx_hash).status == "success"  # read again once mined


def test_the_first_configured_chain_that_has_it(sent: dict[str, Any]) -> None:
    dead = f"http://127.0.0.1:{free_port()}"
    with anvil(chain_id=10) as optimism:
        clients = {
            "base": ChainRpc("base", dead, retries=0),
            "optimism": ChainRpc("optimism", optimism),
            "ethereum": ChainRpc("ethereum", sent["url"]),
        }
        ex = TransactionExplainer(Inspector(clients, CanonicalTokens.load()))
        found = ex.explain(sent["hashes"]["erc20"])
        # Not a 404: it may be on the chain that could not be read.
        with pytest.raises(UpstreamError, match="on optimism, ethereum; cannot reach the base"):
            ex.explain("0x" + "cd" * 32)
        with pytest.raises(UpstreamError) as down:  # the chain asked for is the one read
            ex.explain(sent["hashes"]["erc20"], "base")
    assert found.chain == "ethereum" and found.chain_id == 1
    assert down.value.code == "rpc_unreachable"


def test_the_explanation_is_written_in_the_asker_language_each_time(
    ex: TransactionExplainer, sent: dict[str, Any]
) -> None:
    me, alice = sent["accounts"]["me"], sent["accounts"]["alice"]
    with speaking("zh"):
        chinese = ex.explain(sent["hashes"]["erc20"])
    english = ex.explain(sent["hashes"]["erc20"])  # from the cache, said again
    assert chinese.lead == f"从 {me} 向 {alice} 转账 1.5 FIX。"
    assert english.lead == f"Transferred 1.5 FIX from {me} to {alice}."
    assert english.round_trips == 0 and chinese.explanation[0].evidence == ["log 0"]


def test_a_swap_as_the_sender_sees_it(ex: TransactionExplainer, sent: dict[str, Any]) -> None:
    facts = ex.explain(sent["hashes"]["swap"])
    (move,) = facts.token_movements
    assert facts.lead == "Swapped 0.1 ETH for 0.1 FIX."
    assert facts.explanation[0].evidence == ["transaction.value", f"log {move.log_index}"]


def test_creation_approval_for_all_and_erc1155(
    ex: TransactionExplainer, sent: dict[str, Any]
) -> None:
    me, alice, bob = (sent["accounts"][k] for k in ("me", "alice", "bob"))
    created = ex.explain(sent["hashes"]["create"])
    assert created.to is None and created.contract_created
    assert created.call.function is None and created.call.selector is None
    assert created.lead == f"Created the contract {created.contract_created}."
    assert created.explanation[0].evidence == ["receipt.contractAddress"]
    approved = ex.explain(sent["hashes"]["approve_all"])
    (ap,) = approved.approvals
    assert ap.unlimited and ap.amount is None and ap.spender_kind == "eoa" and ap.risky
    assert approved.lead == f"Approved {bob} to move every FPUNK token of {me}."
    multi = ex.explain(sent["hashes"]["erc1155"])
    (move,) = multi.token_movements
    assert (move.standard, move.token_id, move.amount, move.to) == ("erc1155", "1", "7", alice)
    assert multi.lead == f"Transferred 7 of the token at {sent['multi']} #1 from {me} to {alice}."


def test_a_panic_and_a_token_imitating_a_listed_symbol(
    ex: TransactionExplainer, sent: dict[str, Any]
) -> None:
    facts = ex.explain(sent["hashes"]["fail_panic"])
    assert facts.revert is not None and facts.revert.kind == "panic"
    assert facts.lead == (
        "Failed: the USDT token's transfer reverted with "
        "Panic(0x11): arithmetic overflow or underflow."
    )
    assert any("NOT the canonical USDT" in w for w in facts.warnings)
