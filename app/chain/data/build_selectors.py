"""Build selectors.json: 4-byte selectors named, the token-admin powers they grant, errors, events.

Run from the repo root after `make chain-tools` (it reads OpenZeppelin's compiled ABIs):
    .venv/bin/python app/chain/data/build_selectors.py

Sources:
- every function, custom error and event in OpenZeppelin Contracts' compiled ABIs (node_modules/@openzeppelin/contracts/
  build/contracts/*.json, the version pinned in tests/chain/fixtures/package.json): names only,
  so the checks can say how many selectors of a contract have no known name;
- the admin functions of widely copied token templates (OpenZeppelin presets and wizard output,
  the SafeMoon/RFI reflection template, the Uniswap-V2 "tax token" launch template with
  limits and cooldowns, Tether's USDT, Binance-Peg BEP20 tokens), listed below by power; each name
  is hashed with the argument lists such functions take, since a selector names one exact
  signature. Add a name to its list (or a shape to SHAPES) and re-run to refresh the table;
- the functions, events and errors people meet in transactions beyond OpenZeppelin (Uniswap
  V2/V3 routers and pools, WETH, Permit2, multicalls, Seaport's fills, common custom errors),
  listed in TX_FUNCTIONS, TX_EVENTS and TX_ERRORS below: add a signature there and re-run.
Events are keyed by their full topic0 (keccak of the signature) with the indexed pattern of each
known declaration ("110": first two arguments indexed), since ERC-20 and ERC-721 Transfer share
a topic0 and differ only in which arguments are indexed.
"""

from __future__ import annotations

import json
import sys
from itertools import product
from pathlib import Path

from eth_utils import event_signature_to_log_topic, function_signature_to_4byte_selector

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[2]
OZ = REPO / "tests/chain/fixtures/node_modules/@openzeppelin/contracts"
OUT = HERE / "selectors.json"

# The power each admin function grants, by check id (the ids of GET /v1/contracts).
POWERS: dict[str, list[str]] = {
    "mintable": [
        "mint",
        "safeMint",
        "mintTo",
        "mintFor",
        "mintTokens",
        "ownerMint",
        "adminMint",
        "_mint",
        "issue",
        "issueTokens",
        "increaseSupply",
        "createTokens",
        "generateTokens",
        "mintWithAmount",
        "batchMint",
        "airdropMint",
        "inflate",
        "print",
    ],
    "pausable": [
        "pause",
        "unpause",
        "setPaused",
        "setPause",
        "togglePause",
        "pauseTransfers",
        "unpauseTransfers",
        "pauseTrading",
        "setTradingEnabled",
        "setTradingStatus",
        "setTradingActive",
        "toggleTrading",
        "setTrading",
        "stopTrading",
        "setTransfersEnabled",
        "freezeAll",
        "setSwapEnabled",
        "lockTransfers",
        "emergencyStop",
    ],
    "blacklist": [
        "blacklist",
        "unblacklist",
        "blackList",
        "addBlackList",
        "removeBlackList",
        "addToBlacklist",
        "removeFromBlacklist",
        "setBlacklist",
        "setBlackList",
        "setBlacklisted",
        "setIsBlacklisted",
        "blacklistAddress",
        "blacklistAddresses",
        "unBlacklistAddress",
        "blacklistAccount",
        "updateBlacklist",
        "manageBlacklist",
        "destroyBlackFunds",
        "setBots",
        "setBot",
        "addBot",
        "addBots",
        "delBot",
        "removeBot",
        "blockBots",
        "blockBot",
        "unblockBot",
        "setSniper",
        "setSnipers",
        "markBot",
        "ban",
        "unban",
        "banAddress",
        "freeze",
        "unfreeze",
        "freezeAccount",
        "unfreezeAccount",
        "freezeAddress",
        "denylist",
        "addToDenylist",
        "setDenied",
        "isBlacklisted",
        "isBlackListed",
        "isBot",
        "isFrozen",
        "blacklisted",
        "_isBlacklisted",
        "bots",
    ],
    "owner_can_change_fee": [
        "setFee",
        "setFees",
        "setTax",
        "setTaxes",
        "setTaxFee",
        "setTaxFeePercent",
        "setLiquidityFee",
        "setLiquidityFeePercent",
        "setMarketingFee",
        "setDevFee",
        "setBurnFee",
        "setBuyFee",
        "setSellFee",
        "setBuyFees",
        "setSellFees",
        "setBuyTax",
        "setSellTax",
        "setTransferFee",
        "setTransferTax",
        "setFeePercent",
        "setFeeRate",
        "setTaxRate",
        "setFeeBps",
        "setParams",
        "updateFees",
        "updateFee",
        "updateBuyFees",
        "updateSellFees",
        "updateTax",
        "updateTaxes",
        "changeFees",
        "changeTax",
        "setFeesBuy",
        "setFeesSell",
        "setTotalFees",
        "setSwapFees",
        "setRewardFee",
        "setReflectionFee",
        "setBasisPointsRate",
        "setFeeReceivers",
    ],
    "max_tx_limit": [
        "setMaxTxAmount",
        "setMaxTxPercent",
        "setMaxTx",
        "setMaxTxn",
        "setMaxTransaction",
        "setMaxTransactionAmount",
        "updateMaxTxnAmount",
        "updateMaxTxAmount",
        "setMaxWallet",
        "setMaxWalletSize",
        "setMaxWalletAmount",
        "setMaxWalletPercent",
        "updateMaxWalletAmount",
        "updateMaxWallet",
        "setMaxHolding",
        "setMaxBuy",
        "setMaxSell",
        "setMaxBuyAmount",
        "setMaxSellAmount",
        "setLimits",
        "removeLimits",
        "setLimitsInEffect",
        "setMaxTxLimit",
        "setWalletLimit",
        "setTxLimit",
        "setCooldown",
        "setCooldownEnabled",
        "setTransferDelay",
        "setAntiWhale",
        "setMaxPerWallet",
    ],
}

# Argument lists such admin functions take.
_INTS = ["uint256", "uint8", "uint16", "uint32"]
SHAPES = sorted(
    {"", "address", "bool", "address[]", "int256", "uint24", "uint64", "uint128"}
    | set(_INTS)
    | {f"{a},{b}" for a, b in product(_INTS, repeat=2)}
    | {",".join([t] * n) for t in _INTS[:3] for n in (3, 4, 5)}
    | {
        "address,bool",
        "address,uint256",
        "uint256,address",
        "address,address",
        "address[],bool",
        "address[],uint256",
        "address[],uint256[]",
        "bool,uint256",
        "address,uint256,bytes",
        "address,bool,uint256",
        "address,uint256,uint256",
        "uint256,bool",
        "address,address,uint256",
        "bool,bool",
    }
)

# Exact signatures that a name rule above would misname: anyone may call them, by a standard.
BENIGN = {
    "mint(uint256,address)": "ERC-4626: anyone mints vault shares by depositing assets",
    "mint()": "a public sale or faucet mint is not an owner's power to print supply",
}

# Names that token templates add without any power over holders, so they count as known.
COMMON = [
    "uniswapV2Pair()",
    "uniswapV2Router()",
    "swapTokensAtAmount()",
    "tradingActive()",
    "limitsInEffect()",
    "maxTransactionAmount()",
    "maxWallet()",
    "_maxTxAmount()",
    "_maxWalletSize()",
    "marketingWallet()",
    "devWallet()",
    "excludeFromFees(address,bool)",
    "isExcludedFromFees(address)",
    "excludeFromMaxTransaction(address,bool)",
    "enableTrading()",
    "openTrading()",
    "manualSwap()",
    "manualsend()",
    "swapEnabled()",
    "buyTotalFees()",
    "sellTotalFees()",
    "getOwner()",
    "burn(uint256)",
    "burnFrom(address,uint256)",
    "increaseAllowance(address,uint256)",
    "decreaseAllowance(address,uint256)",
    "paused()",
    "deposit()",
    "withdraw(uint256)",
    "getThreshold()",
    "getOwners()",
]


# Functions of widely used contracts that transactions call, beyond OpenZeppelin's.
TX_FUNCTIONS = [
    # Uniswap V2 router
    "swapExactTokensForTokens(uint256,uint256,address[],address,uint256)",
    "swapTokensForExactTokens(uint256,uint256,address[],address,uint256)",
    "swapExactETHForTokens(uint256,address[],address,uint256)",
    "swapTokensForExactETH(uint256,uint256,address[],address,uint256)",
    "swapExactTokensForETH(uint256,uint256,address[],address,uint256)",
    "swapETHForExactTokens(uint256,address[],address,uint256)",
    "swapExactTokensForTokensSupportingFeeOnTransferTokens(uint256,uint256,address[],address,uint256)",
    "swapExactETHForTokensSupportingFeeOnTransferTokens(uint256,address[],address,uint256)",
    "swapExactTokensForETHSupportingFeeOnTransferTokens(uint256,uint256,address[],address,uint256)",
    "addLiquidity(address,address,uint256,uint256,uint256,uint256,address,uint256)",
    "addLiquidityETH(address,uint256,uint256,uint256,address,uint256)",
    "removeLiquidity(address,address,uint256,uint256,uint256,address,uint256)",
    "removeLiquidityETH(address,uint256,uint256,uint256,address,uint256)",
    # Uniswap V2 pair, V3 router and universal router
    "swap(uint256,uint256,address,bytes)",
    "exactInputSingle((address,address,uint24,address,uint256,uint256,uint256,uint160))",
    "exactInputSingle((address,address,uint24,address,uint256,uint256,uint160))",
    "exactInput((bytes,address,uint256,uint256,uint256))",
    "exactInput((bytes,address,uint256,uint256))",
    "exactOutputSingle((address,address,uint24,address,uint256,uint256,uint256,uint160))",
    "exactOutput((bytes,address,uint256,uint256,uint256))",
    "multicall(uint256,bytes[])",
    "multicall(bytes32,bytes[])",
    "execute(bytes,bytes[],uint256)",
    "execute(bytes,bytes[])",
    # WETH, Permit2, Multicall3, Safe
    "deposit()",
    "withdraw(uint256)",
    "permit(address,((address,uint160,uint48,uint48),address,uint256),bytes)",
    "transferFrom(address,address,uint160,address)",
    "aggregate((address,bytes)[])",
    "aggregate3((address,bool,bytes)[])",
    "aggregate3Value((address,bool,uint256,bytes)[])",
    "tryAggregate(bool,(address,bytes)[])",
    "execTransaction(address,uint256,bytes,uint8,uint256,uint256,uint256,address,address,bytes)",
    # ERC-20 extras and NFT sales
    "permit(address,address,uint256,uint256,uint8,bytes32,bytes32)",
    "setApprovalForAll(address,bool)",
    "safeTransferFrom(address,address,uint256)",
    "safeTransferFrom(address,address,uint256,bytes)",
    "safeTransferFrom(address,address,uint256,uint256,bytes)",
    "safeBatchTransferFrom(address,address,uint256[],uint256[],bytes)",
]
# Events that transactions emit, beyond OpenZeppelin's: (signature, indexed pattern).
TX_EVENTS = [
    ("Swap(address,uint256,uint256,uint256,uint256,address)", "100001"),
    ("Swap(address,address,int256,int256,uint160,uint128,int24)", "1100000"),
    ("Sync(uint112,uint112)", "00"),
    ("Mint(address,uint256,uint256)", "100"),
    ("Burn(address,uint256,uint256,address)", "1001"),
    ("Deposit(address,uint256)", "10"),
    ("Withdrawal(address,uint256)", "10"),
    ("PairCreated(address,address,address,uint256)", "1100"),
    ("ExecutionSuccess(bytes32,uint256)", "00"),
    ("ExecutionFailure(bytes32,uint256)", "00"),
]
# Custom errors that contracts outside OpenZeppelin commonly revert with.
TX_ERRORS = [
    "Unauthorized()",
    "Unauthorized(address)",
    "InsufficientBalance()",
    "InsufficientAllowance()",
    "TransferFailed()",
    "TransferFromFailed()",
    "ETHTransferFailed()",
    "InvalidSignature()",
    "Expired()",
    "DeadlinePassed()",
    "TooLittleReceived()",
    "TooMuchRequested()",
    "Reentrancy()",
    "NotOwner()",
    "ZeroAddress()",
    "InvalidAmount()",
    "AllowanceExpired(uint256)",
    "InsufficientAllowance(uint256)",
    "V3TooLittleReceived()",
    "V2TooLittleReceived()",
    "ExecutionFailed(uint256,bytes)",
]


def event_topic(signature: str) -> str:
    """0x-prefixed topic0 of an event signature."""
    return "0x" + event_signature_to_log_topic(signature).hex()


def signature_of(entry: dict) -> str:
    """An ABI function entry as its canonical signature (tuples expanded)."""

    def kind(item: dict) -> str:
        t = item["type"]
        if t.startswith("tuple"):
            return "(" + ",".join(kind(c) for c in item["components"]) + ")" + t[5:]
        return t

    return f"{entry['name']}({','.join(kind(i) for i in entry['inputs'])})"


def selector(signature: str) -> str:
    """0x-prefixed 4-byte selector."""
    return "0x" + function_signature_to_4byte_selector(signature).hex()


def build() -> dict:
    """The table: selector -> {signature, power?}; first name wins on the rare collision."""
    names: dict[str, dict[str, str]] = {}
    errors: dict[str, str] = {}
    events: dict[str, tuple[str, list[str]]] = {}
    if not OZ.exists():
        sys.exit(f"{OZ} is missing: run `make chain-tools` first")
    for path in sorted((OZ / "build/contracts").glob("*.json")):
        for entry in json.loads(path.read_text())["abi"]:
            if entry.get("type") == "function":
                sig = signature_of(entry)
                names.setdefault(selector(sig), {"signature": sig})
            elif entry.get("type") == "error":
                sig = signature_of(entry)
                errors.setdefault(selector(sig), sig)
            elif entry.get("type") == "event" and not entry.get("anonymous"):
                mask = "".join("1" if i.get("indexed") else "0" for i in entry["inputs"])
                _add_event(events, signature_of(entry), mask)
    for sig in COMMON + TX_FUNCTIONS:
        names.setdefault(selector(sig), {"signature": sig})
    for sig in TX_ERRORS:
        errors.setdefault(selector(sig), sig)
    for sig, mask in TX_EVENTS:
        _add_event(events, sig, mask)
    for power, funcs in POWERS.items():
        for name, shape in product(funcs, SHAPES):
            sig = f"{name}({shape})"
            if sig in BENIGN:
                names[selector(sig)] = {"signature": sig, "note": BENIGN[sig]}
                continue
            # A power overrides an OpenZeppelin name only for the very same signature.
            names[selector(sig)] = {"signature": sig, "power": power}
    version = json.loads((OZ / "package.json").read_text())["version"]
    return {
        "source": f"OpenZeppelin Contracts {version} ABIs + token-template admin functions "
        "+ common transaction functions, events and errors "
        "(app/chain/data/build_selectors.py)",
        "selectors": dict(sorted(names.items())),
        "errors": dict(sorted(errors.items())),
        "events": {k: [v[0], sorted(v[1])] for k, v in sorted(events.items())},
    }


def _add_event(events: dict[str, tuple[str, list[str]]], sig: str, mask: str) -> None:
    """One more declaration of an event: its signature once, each indexed pattern once."""
    sig_masks = events.setdefault(event_topic(sig), (sig, []))
    if mask not in sig_masks[1]:
        sig_masks[1].append(mask)


if __name__ == "__main__":
    table = build()
    # One selector a line: small, and a refresh diffs line by line.
    # Each row: selector: [signature, power or null(, why a matching name is benign)].
    rows = [
        f"{json.dumps(k)}: "
        + json.dumps([v["signature"], v.get("power")] + ([v["note"]] if "note" in v else []))
        for k, v in table["selectors"].items()
    ]
    body = ",\n".join(rows)
    errs = ",\n".join(f"{json.dumps(k)}: {json.dumps(v)}" for k, v in table["errors"].items())
    evs = ",\n".join(f"{json.dumps(k)}: {json.dumps(v)}" for k, v in table["events"].items())
    OUT.write_text(
        f'{{"source": {json.dumps(table["source"])},\n"errors": {{\n{errs}\n}},\n'
        f'"events": {{\n{evs}\n}},\n'
        f'"selectors": {{\n{body}\n}}}}\n',
        encoding="utf-8",
    )
    powered = sum(1 for v in table["selectors"].values() if "power" in v)
    print(
        f"wrote {OUT.name}: {len(table['selectors'])} selectors, {powered} with a power, "
        f"{len(table['errors'])} errors, {len(table['events'])} events"
    )
