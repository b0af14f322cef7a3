"""The token-risk fixtures (tests/chain/fixtures/contracts/Risks.sol) deployed on anvil."""

from __future__ import annotations

from eth_utils import keccak, to_checksum_address

from bench.support.anvil import Deployer

UNIT = 10**18


def spread_holders(count: int) -> list[str]:
    """Addresses nobody controls, one per share of a widely held token."""
    return [to_checksum_address(keccak(text=f"holder {n}")[-20:]) for n in range(count)]


def deploy_risk_fixtures(url: str) -> dict[str, str]:
    """Deploy one token per risk and the controls; return their addresses by role."""
    d = Deployer(url)
    me = d.account
    a1, a2, a3 = list(d.w3.eth.accounts)[1:4]
    out: dict[str, str] = {}

    def send(name: str, role: str, fn: str, *args: object) -> None:
        getattr(d.contract(name, out[role]).functions, fn)(*args).transact({"from": me})

    for role, name in (
        ("mintable", "MintableToken"),
        ("pausable", "PausableToken"),
        ("blacklist", "BlacklistToken"),
        ("fee", "FeeToken"),
        ("limits", "LimitToken"),
        ("destructible", "DestructibleToken"),
        ("no_contracts", "NoContractsToken"),
    ):
        out[role] = d.deploy(name)
        for holder in (a1, a2, a3):
            send(name, role, "transfer", holder, 5_000 * UNIT)
    send("PausableToken", "pausable", "pause")
    send("BlacklistToken", "blacklist", "setBlacklist", a2, True)
    out["blocked_holder"] = str(a2)
    out["clean"] = d.deploy("CleanToken", spread_holders(20), 50_000 * UNIT)
    out["safe"] = d.deploy("SafeLike", [str(a1), str(a2), str(a3)])
    out["safe_owned"] = d.deploy("MintableToken")
    send("MintableToken", "safe_owned", "transfer", a1, 5_000 * UNIT)
    send("MintableToken", "safe_owned", "transferOwnership", out["safe"])
    out["mint_impl"] = impl = d.deploy("MintableImpl")
    init = d.contract("MintableImpl").encode_abi(
        "initialize", args=["Proxied Mint", "PMINT", 10**24]
    )
    out["mint_proxy"] = d.deploy("ERC1967Proxy", impl, bytes.fromhex(init[2:]))
    d.contract("MintableImpl", out["mint_proxy"]).functions.transfer(a1, 1_000 * UNIT).transact(
        {"from": me}
    )
    return out
