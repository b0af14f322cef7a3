"""The inspector against real contracts on anvil."""

from __future__ import annotations

import pytest

from app.chain.canonical import CanonicalTokens
from app.chain.inspector import Inspector, parse_address
from app.chain.rpc import ChainRpc
from app.core.errors import BadRequest, NotFound, UpstreamError, UpstreamUnavailable


@pytest.fixture
def inspect(chain: tuple[str, dict[str, str]]) -> Inspector:
    url, _ = chain
    return Inspector({"ethereum": ChainRpc("ethereum", url)}, CanonicalTokens.load())


def test_erc20_with_18_and_6_decimals(
    inspect: Inspector, chain: tuple[str, dict[str, str]]
) -> None:
    _, a = chain
    fix = inspect.inspect("ethereum", a["token18"])
    assert fix.is_contract and fix.account_type == "contract"
    assert fix.standards == ["erc20"]
    assert fix.token is not None
    assert (fix.token.name, fix.token.symbol, fix.token.decimals) == ("Fixture Token", "FIX", 18)
    assert fix.token.total_supply == str(10**24)
    assert fix.owner is not None and fix.block_number > 0 and fix.chain_id == 1
    usdc = inspect.inspect("ethereum", a["fake_usdc"])
    assert usdc.token is not None and usdc.token.decimals == 6
    assert usdc.token.total_supply == str(5 * 10**12)


def test_symbol_of_a_famous_token_at_another_address_is_flagged(
    inspect: Inspector, chain: tuple[str, dict[str, str]]
) -> None:
    facts = inspect.inspect("ethereum", chain[1]["fake_usdc"])
    assert facts.listed is None
    assert any(
        "NOT the canonical USDC on Ethereum" in w
        and "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48" in w
        for w in facts.warnings
    )


def test_nft_standards_via_erc165(inspect: Inspector, chain: tuple[str, dict[str, str]]) -> None:
    _, a = chain
    nft = inspect.inspect("ethereum", a["nft"])
    assert "erc721" in nft.standards and "erc20" not in nft.standards
    assert nft.token is not None and nft.token.symbol == "FPUNK" and nft.token.decimals is None
    multi = inspect.inspect("ethereum", a["multi"])
    assert "erc1155" in multi.standards and "erc721" not in multi.standards
    assert multi.token is None


def test_erc4626_vault(inspect: Inspector, chain: tuple[str, dict[str, str]]) -> None:
    vault = inspect.inspect("ethereum", chain[1]["vault"])
    assert vault.standards == ["erc20", "erc4626"]
    assert vault.proxy is None


def test_bytes32_metadata_and_transfer_without_bool(
    inspect: Inspector, chain: tuple[str, dict[str, str]]
) -> None:
    _, a = chain
    mkr = inspect.inspect("ethereum", a["mkr"])
    assert mkr.token is not None and (mkr.token.name, mkr.token.symbol) == ("Maker", "MKR")
    assert mkr.token.decimals == 18 and mkr.standards == ["erc20"]
    usdt = inspect.inspect("ethereum", a["usdt_like"])
    assert usdt.standards == ["erc20"] and usdt.token is not None and usdt.token.decimals == 6


@pytest.mark.parametrize(
    ("role", "standard", "upgrade"),
    [
        ("uups", "eip1967", "uups"),
        ("transparent", "eip1967", "transparent"),
        ("beacon_proxy", "beacon", None),
        ("legacy_uups", "eip1822", "uups"),
        ("clone", "eip1167", None),
    ],
)
def test_proxies_resolve_and_metadata_reads_through(
    inspect: Inspector,
    chain: tuple[str, dict[str, str]],
    role: str,
    standard: str,
    upgrade: str | None,
) -> None:
    _, a = chain
    facts = inspect.inspect("ethereum", a[role])
    assert facts.proxy is not None
    assert facts.proxy.standard == standard
    assert facts.proxy.implementation == a["impl"]
    assert facts.proxy.upgrade == upgrade
    assert facts.token is not None and facts.token.symbol in {"PUSD", "CLONE"}
    assert facts.standards == ["erc20"]
    if role == "transparent":
        assert facts.proxy.admin is not None and facts.proxy.admin != a["impl"]
    if role == "beacon_proxy":
        assert facts.proxy.beacon == a["beacon"]
    if role == "clone":
        assert facts.token.decimals == 8


def test_eoa_empty_and_reverting(inspect: Inspector, chain: tuple[str, dict[str, str]]) -> None:
    _, a = chain
    eoa = inspect.inspect("ethereum", a["eoa"])
    assert (eoa.account_type, eoa.is_contract, eoa.token) == ("eoa", False, None)
    empty = inspect.inspect("ethereum", a["empty"])
    assert (empty.account_type, empty.is_contract) == ("empty", False)
    rev = inspect.inspect("ethereum", a["reverter"])
    assert rev.is_contract and rev.standards == [] and rev.token is None and rev.proxy is None


def test_hostile_name_is_cut_cleaned_and_flagged(
    inspect: Inspector, chain: tuple[str, dict[str, str]]
) -> None:
    facts = inspect.inspect("ethereum", chain[1]["hostile"])
    assert facts.token is not None and facts.token.name is not None
    name, symbol = facts.token.name, facts.token.symbol
    assert len(name) <= 64 and "\u202e" not in name and "\u200b" not in name
    assert symbol == "SAFE"
    joined = " ".join(facts.warnings)
    assert "reads like instructions" in joined
    assert "5088 characters" in joined or "characters long" in joined
    assert "invisible or bidirectional" in joined


def test_results_are_cached_per_block(chain: tuple[str, dict[str, str]]) -> None:
    url, a = chain
    rpc = ChainRpc("ethereum", url, block_ttl_s=60)
    inspector = Inspector({"ethereum": rpc}, CanonicalTokens.load())
    inspector.inspect("ethereum", a["token18"])
    before = rpc.round_trips
    again = inspector.inspect("ethereum", a["token18"].lower())
    assert rpc.round_trips == before
    assert any("without an EIP-55 checksum" in w for w in again.warnings)


def test_bad_addresses_and_chains(inspect: Inspector, chain: tuple[str, dict[str, str]]) -> None:
    good = chain[1]["token18"]
    wrong = good[:2] + good[2:].swapcase()
    with pytest.raises(BadRequest, match="checksum"):
        inspect.inspect("ethereum", wrong if wrong != good else good.replace("F", "f", 1))
    with pytest.raises(BadRequest, match="not an EVM address"):
        inspect.inspect("ethereum", "0x1234")
    with pytest.raises(NotFound, match="unknown chain"):
        inspect.inspect("narnia", good)
    with pytest.raises(UpstreamUnavailable, match="CRYPTORAG_RPC_URLS"):
        inspect.inspect("arbitrum", good)


def test_rpc_serving_another_chain_is_refused(chain: tuple[str, dict[str, str]]) -> None:
    url, a = chain
    inspector = Inspector({"base": ChainRpc("base", url)}, CanonicalTokens.load())
    with pytest.raises(UpstreamError, match="serves chain id 1, not 8453"):
        inspector.inspect("base", a["token18"])


def test_all_digit_address_is_not_warned_about_its_checksum() -> None:
    checksum, warnings = parse_address("0x" + "0" * 36 + "1234")
    assert checksum == "0x" + "0" * 36 + "1234"
    assert warnings == []
    assert parse_address("0x" + "1" * 39 + "a")[1] != []
