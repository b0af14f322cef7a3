"""Token-risk checks against the Risks.sol fixtures on anvil: status, and the evidence behind it."""

from __future__ import annotations

from typing import Any

import pytest
from eth_utils import keccak
from web3 import HTTPProvider

from app.chain.canonical import CanonicalTokens
from app.chain.checks.run import CheckLimits
from app.chain.facts import Check, ContractFacts
from app.chain.inspector import Inspector
from app.chain.rpc import ChainRpc
from app.core.settings import ChainSettings
from tests.support.slow_rpc import stalling_relay

pytestmark = pytest.mark.integration
Chain = tuple[str, dict[str, str]]
RISKS = (
    "mintable",
    "pausable",
    "paused_now",
    "blacklist",
    "fee_on_transfer",
    "owner_can_change_fee",
    "max_tx_limit",
    "transfer_blocked_for_holders",
    "selfdestruct",
)


@pytest.fixture
def inspector(chain: Chain) -> Inspector:
    return Inspector({"ethereum": ChainRpc("ethereum", chain[0])}, CanonicalTokens.load())


def checks(inspector: Inspector, address: str) -> tuple[ContractFacts, dict[str, Check]]:
    facts = inspector.inspect("ethereum", address)
    return facts, {c.id: c for c in facts.checks}


def replay(url: str, method: str, params: list[Any]) -> Any:
    """Send an evidence's call again, as anyone could."""
    return HTTPProvider(url).make_request(method, params)


def test_every_check_is_reported_with_stable_ids(
    inspector: Inspector, risks: dict[str, str]
) -> None:
    facts, _ = checks(inspector, risks["clean"])
    assert [c.id for c in facts.checks] == [
        "mintable", "pausable", "paused_now", "blacklist", "fee_on_transfer",
        "owner_can_change_fee", "max_tx_limit", "transfer_blocked_for_holders",
        "ownership_renounced", "owner_is_eoa", "owner_is_multisig", "holder_concentration",
        "selfdestruct",
    ]  # fmt: skip


def test_owner_mint_found_in_the_code(
    inspector: Inspector, risks: dict[str, str], chain: Chain
) -> None:
    facts, c = checks(inspector, risks["mintable"])
    mint = c["mintable"]
    assert mint.status == "found" and mint.risk
    assert mint.details["functions"] == ["mint(address,uint256)"]
    ev = mint.evidence
    assert ev is not None and ev.method == "eth_getCode" and ev.block == facts.block_number
    assert ev.params == [risks["mintable"], hex(facts.block_number)]
    assert ev.result["matched"] == {"0x40c10f19": "mint(address,uint256)"}
    code = replay(chain[0], ev.method, ev.params)["result"]
    assert ev.result["code_keccak"] == "0x" + keccak(hexstr=code).hex()
    assert "0 of" not in mint.summary and "names are promises only" in mint.summary


def test_pausable_and_paused_now(inspector: Inspector, risks: dict[str, str]) -> None:
    facts, c = checks(inspector, risks["pausable"])
    assert c["pausable"].status == "found"
    assert c["pausable"].details["functions"] == ["pause()", "unpause()"]
    paused = c["paused_now"]
    assert paused.status == "found" and paused.evidence is not None
    assert paused.evidence.params == [
        {"to": risks["pausable"], "data": "0x5c975abb"},
        hex(facts.block_number),
    ]
    assert paused.evidence.result == "0x" + "0" * 63 + "1"
    blocked = c["transfer_blocked_for_holders"]
    assert blocked.status == "found" and "EnforcedPause()" in blocked.summary


def test_blacklist_and_a_holder_whose_transfers_revert(
    inspector: Inspector, risks: dict[str, str], chain: Chain
) -> None:
    facts, c = checks(inspector, risks["blacklist"])
    assert c["blacklist"].status == "found"
    assert "setBlacklist(address,bool)" in c["blacklist"].details["functions"]
    blocked = c["transfer_blocked_for_holders"]
    assert blocked.status == "found" and blocked.risk
    assert blocked.details["holder"] == risks["blocked_holder"]
    assert "sender is blacklisted" in blocked.summary
    ev = blocked.evidence
    assert (
        ev is not None
        and ev.method == "eth_call"
        and ev.params[0]["from"] == risks["blocked_holder"]
    )
    assert ev.error is not None and "sender is blacklisted" in ev.error
    again = replay(chain[0], ev.method, ev.params)
    assert "sender is blacklisted" in again["error"]["message"]
    # The other holders could move theirs: no fee, but the blocked one is named.
    assert c["fee_on_transfer"].status == "not_found"
    assert facts.block_number == ev.block


def test_fee_on_transfer_measured_by_a_simulated_transfer(
    inspector: Inspector, risks: dict[str, str], chain: Chain
) -> None:
    facts, c = checks(inspector, risks["fee"])
    fee = c["fee_on_transfer"]
    assert fee.status == "found" and fee.details["fee_percent"] == 7.0
    assert "delivers 93 (93000000000000000000 base units): a 7% fee" in fee.summary
    ev = fee.evidence
    assert ev is not None and ev.method == "eth_call" and len(ev.params) == 3  # state override
    holder = fee.details["holder"]
    assert ev.params[0] == {"from": holder, "to": holder, "data": ev.params[0]["data"]}
    assert list(ev.params[2]) == [holder] and ev.params[2][holder]["code"].startswith("0x60")
    assert replay(chain[0], ev.method, ev.params)["result"] == ev.result
    assert c["owner_can_change_fee"].status == "found"
    assert c["owner_can_change_fee"].details["functions"] == ["setFee(uint256)"]
    # Nothing was sent: the holder's balance and the chain's head are unchanged.
    assert inspector.clients["ethereum"].head() == facts.block_number


def test_owner_settable_limits(inspector: Inspector, risks: dict[str, str]) -> None:
    _, c = checks(inspector, risks["limits"])
    limit = c["max_tx_limit"]
    assert limit.status == "found"
    assert limit.details["functions"] == ["setMaxTxAmount(uint256)", "setMaxWalletSize(uint256)"]
    # The simulated amount stays under the limit, so holders are not reported blocked.
    assert c["transfer_blocked_for_holders"].status == "not_found"


def test_selfdestruct_reachable(inspector: Inspector, risks: dict[str, str]) -> None:
    _, c = checks(inspector, risks["destructible"])
    sd = c["selfdestruct"]
    assert sd.status == "found" and "EIP-6780" in sd.summary and "ether balance" in sd.summary
    assert sd.evidence is not None and sd.evidence.result["selfdestruct_at"]


def test_proxy_is_judged_by_its_implementation(inspector: Inspector, risks: dict[str, str]) -> None:
    facts, c = checks(inspector, risks["mint_proxy"])
    assert facts.proxy is not None and facts.proxy.implementation == risks["mint_impl"]
    mint = c["mintable"]
    assert mint.status == "found" and mint.details["code_address"] == risks["mint_impl"]
    assert mint.evidence is not None and mint.evidence.params[0] == risks["mint_impl"]
    assert risks["mint_impl"] in mint.summary
    assert c["fee_on_transfer"].status == "not_found"


def test_safe_like_owner(inspector: Inspector, risks: dict[str, str]) -> None:
    _, c = checks(inspector, risks["safe_owned"])
    multisig = c["owner_is_multisig"]
    assert multisig.status == "found" and not multisig.risk
    assert multisig.details == {"threshold": 2, "owners": 3}
    assert multisig.evidence is not None and multisig.evidence.params[0]["to"] == risks["safe"]
    assert multisig.evidence.params[0]["data"] == "0xe75235b8"  # getThreshold()
    assert c["owner_is_eoa"].status == "not_found"
    assert c["ownership_renounced"].status == "not_found"


def test_eoa_owner_and_concentrated_supply(
    inspector: Inspector, risks: dict[str, str], chain: Chain
) -> None:
    facts, c = checks(inspector, risks["mintable"])
    eoa = c["owner_is_eoa"]
    assert eoa.status == "found" and eoa.evidence is not None
    assert eoa.evidence.method == "eth_getCode" and eoa.evidence.result == "0x"
    held = c["holder_concentration"]
    assert held.status == "found"
    top = held.details["top_holders"][0]
    assert top["share"] == "98.5%" and top["holder"] == facts.owner
    assert held.details["blocks"] == [0, facts.block_number]
    assert held.details["top_holder_is_contract"] is False
    assert held.summary.endswith("That holder is a plain account (no code): one private key.")
    assert held.more_evidence[-1].method == "eth_getCode"
    assert held.evidence is not None and held.evidence.params[0]["data"].startswith("0x70a08231")


def test_negative_control_reports_no_risk(inspector: Inspector, risks: dict[str, str]) -> None:
    _, c = checks(inspector, risks["clean"])
    assert [i for i, check in c.items() if check.risk] == []
    for i in RISKS:
        assert c[i].status in ("not_found", "unknown"), (i, c[i].summary)
    assert c["paused_now"].status == "unknown"  # it has no paused()
    assert c["ownership_renounced"].status == "found"
    held = c["holder_concentration"]
    assert held.status == "not_found" and held.details["top_holders"][0]["share"] == "5%"
    assert c["fee_on_transfer"].status == "not_found"
    assert c["transfer_blocked_for_holders"].status == "not_found"
    # The constant it pushes holds the mint and pause selectors' bytes and 0xff: not code.
    assert c["selfdestruct"].status == "not_found"


@pytest.mark.parametrize("role", ["token18", "vault", "nft", "multi", "usdt_like", "uups", "clone"])
def test_existing_fixtures_are_not_flagged(inspector: Inspector, chain: Chain, role: str) -> None:
    _, c = checks(inspector, chain[1][role])
    flagged = [i for i in RISKS if c[i].status == "found"]
    assert flagged == [], [c[i].summary for i in flagged]


def test_every_reading_names_its_block(inspector: Inspector, risks: dict[str, str]) -> None:
    for role in ("mintable", "fee", "blacklist", "safe_owned", "clean", "mint_proxy"):
        facts, c = checks(inspector, risks[role])
        for check in c.values():
            if check.status != "unknown":
                assert check.evidence is not None, (role, check.id)
                assert check.evidence.block == facts.block_number, (role, check.id)


def test_checks_are_cached_per_block(inspector: Inspector, risks: dict[str, str]) -> None:
    rpc = inspector.clients["ethereum"]
    first, _ = checks(inspector, risks["fee"])
    before = rpc.round_trips
    again, _ = checks(inspector, risks["fee"])
    assert rpc.round_trips - before <= 1  # at most the head, never the checks again
    assert again.checks == first.checks


def test_a_stalling_node_leaves_the_rest_unknown(chain: Chain, risks: dict[str, str]) -> None:
    with stalling_relay(chain[0], {"eth_getLogs"}) as url:
        rpc = ChainRpc("ethereum", url, timeout_s=1.0, retries=0)
        facts = Inspector({"ethereum": rpc}, CanonicalTokens.load()).inspect(
            "ethereum", risks["fee"]
        )
    c = {x.id: x for x in facts.checks}
    assert c["owner_can_change_fee"].status == "found"  # read from the code, before the stall
    for i in ("holder_concentration", "fee_on_transfer", "transfer_blocked_for_holders"):
        assert c[i].status == "unknown" and "did not answer within 1s" in c[i].summary
    assert c["owner_is_eoa"].status == "unknown"  # asked in the same stalled batch


def test_a_spent_budget_starts_no_round_trip(chain: Chain, risks: dict[str, str]) -> None:
    rpc = ChainRpc("ethereum", chain[0])
    inspector = Inspector({"ethereum": rpc}, CanonicalTokens.load(), limits=CheckLimits(0.0))
    facts = inspector.inspect("ethereum", risks["fee"])
    c = {x.id: x for x in facts.checks}
    assert c["owner_can_change_fee"].status == "found"
    assert c["paused_now"].status == "unknown" and c["paused_now"].evidence is not None
    for i in ("owner_is_eoa", "holder_concentration", "fee_on_transfer"):
        assert c[i].status == "unknown" and "time budget of 0 s ran out" in c[i].summary


def test_settings_bound_the_log_scan(chain: Chain, risks: dict[str, str]) -> None:
    settings = ChainSettings.model_validate(
        {"rpc_urls": {"ethereum": chain[0]}, "log_page_blocks": 3, "log_pages": 2}
    )
    inspector = Inspector.from_settings(settings, CanonicalTokens.load())
    facts = inspector.inspect("ethereum", risks["clean"])
    held = facts.check("holder_concentration")
    assert held is not None and held.evidence is not None
    head = facts.block_number
    assert held.details.get("blocks", [head - 5, head]) == [head - 5, head]
    # The clean token's holders got their tokens long before: too few seen to judge.
    assert held.status == "unknown" and f"blocks {head - 5} to {head}" in held.summary


@pytest.mark.parametrize("role", ["beacon_proxy", "clone", "legacy_uups", "transparent"])
def test_every_proxy_kind_is_judged_by_its_implementation(
    inspector: Inspector, chain: Chain, role: str
) -> None:
    _, c = checks(inspector, chain[1][role])
    mint = c["mintable"]
    assert mint.status == "not_found" and mint.details["code_address"] == chain[1]["impl"]
    assert mint.evidence is not None and mint.evidence.params[0] == chain[1]["impl"]


def test_a_rate_limited_node_is_not_read_as_a_revert(chain: Chain, risks: dict[str, str]) -> None:
    # The provider refuses every eth_call from a holder (the simulated transfers) and every
    # getThreshold(): those checks are unknown with the node's words, never "blocked".
    def refuse(call: dict[str, Any]) -> bool:
        params = call.get("params") or [{}]
        first = params[0] if isinstance(params[0], dict) else {}
        return call["method"] == "eth_call" and (
            "from" in first or first.get("data") == "0xe75235b8"
        )

    with stalling_relay(chain[0], set(), refuse) as url:
        rpc = ChainRpc("ethereum", url)
        facts = Inspector({"ethereum": rpc}, CanonicalTokens.load()).inspect(
            "ethereum", risks["safe_owned"]
        )
    c = {x.id: x for x in facts.checks}
    for i in ("fee_on_transfer", "transfer_blocked_for_holders", "owner_is_multisig"):
        assert c[i].status == "unknown", (i, c[i].summary)
        assert c[i].summary == "Not read: rate limit exceeded.", (i, c[i].summary)
    assert c["mintable"].status == "found" and c["holder_concentration"].status == "found"


def test_a_token_refusing_contract_senders_is_not_called_blocking(
    inspector: Inspector, risks: dict[str, str]
) -> None:
    # The probe sends from code placed at the holder; the token refuses that, a plain call not.
    _, c = checks(inspector, risks["no_contracts"])
    assert c["transfer_blocked_for_holders"].status == "not_found"
    fee = c["fee_on_transfer"]
    assert fee.status == "unknown" and "could not be read" in fee.summary
