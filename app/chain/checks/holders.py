"""Holders rebuilt from Transfer logs in bounded pages, their balances read at the block."""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Literal

from eth_utils import to_checksum_address

from app.chain import abi
from app.chain.checks.messages import say
from app.chain.checks.owner import RENOUNCED, call_evidence, node_failure
from app.chain.facts import Check, Evidence
from app.chain.rpc import RpcResult

TRANSFER_TOPIC = "0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef"
BALANCE_OF = abi.selector("balanceOf(address)")
# One address holding this share of the supply or more is flagged.
THRESHOLD = Fraction(1, 2)


@dataclass(frozen=True)
class LogLimits:
    """How far back Transfer logs are read: pages of blocks, all sent in one batch."""

    page_blocks: int = 2_000
    pages: int = 5
    max_holders: int = 100


def log_calls(token: str, block: int, limits: LogLimits) -> list[tuple[str, list[Any]]]:
    """eth_getLogs pages from the block backwards, newest first."""
    calls: list[tuple[str, list[Any]]] = []
    high = block
    for _ in range(limits.pages):
        if high < 0:
            break
        low = max(0, high - limits.page_blocks + 1)
        flt = {
            "address": token,
            "fromBlock": hex(low),
            "toBlock": hex(high),
            "topics": [TRANSFER_TOPIC],
        }
        calls.append(("eth_getLogs", [flt]))
        high = low - 1
    return calls


@dataclass
class Scan:
    """What the pages gave: recipients newest first, and the block range read without a gap."""

    recipients: list[str] = field(default_factory=list)
    first: int | None = None
    last: int | None = None
    logs: int = 0
    failed: list[str] = field(default_factory=list)


def read_logs(calls: list[tuple[str, list[Any]]], results: list[RpcResult]) -> Scan:
    """Recipients of transfers, newest first; coverage stops at the first page that failed."""
    scan = Scan()
    seen: dict[str, None] = {}
    for (_, params), res in zip(calls, results, strict=True):
        low, high = int(params[0]["fromBlock"], 16), int(params[0]["toBlock"], 16)
        if not res.ok or not isinstance(res.result, list):
            scan.failed.append(f"blocks {low}-{high}: {res.error or 'no list returned'}")
            break
        scan.last = high if scan.last is None else scan.last
        scan.first = low
        logs = [x for x in res.result if isinstance(x, dict)]
        scan.logs += len(logs)
        logs.sort(
            key=lambda x: (int(x.get("blockNumber", "0x0"), 16), int(x.get("logIndex", "0x0"), 16)),
            reverse=True,
        )
        for log in logs:
            topics = log.get("topics") or []
            if len(topics) == 3:  # ERC-721 Transfer has a fourth topic (the token id)
                to = "0x" + str(topics[2])[-40:]
                seen.setdefault(to.lower(), None)
    scan.recipients = list(seen)
    return scan


def balance_calls(token: str, holders: list[str], block: int) -> list[tuple[str, list[Any]]]:
    """balanceOf for each holder, at the block."""
    return [
        ("eth_call", [{"to": token, "data": BALANCE_OF + abi.address_arg(h)}, hex(block)])
        for h in holders
    ]


def concentration(
    token: str,
    block: int,
    supply: int | None,
    scan: Scan,
    holders: list[str],
    results: list[RpcResult],
) -> tuple[Check, dict[str, int]]:
    """holder_concentration, and every balance read (for choosing whom to simulate)."""
    balances: dict[str, int] = {}
    failed = next((e for e in map(node_failure, results) if e), None)
    for h, res in zip(holders, results, strict=True):
        value = abi.decode_uint(res.result) if res.ok else None
        if value:
            balances[h] = value
    logs_ev = Evidence(
        method="eth_getLogs",
        params=[
            {
                "address": token,
                "fromBlock": hex(scan.first or 0),
                "toBlock": hex(scan.last or block),
                "topics": [TRANSFER_TOPIC],
            }
        ],
        block=block,
        result={"logs": scan.logs, "recipients": len(scan.recipients), "failed_pages": scan.failed},
    )
    if scan.first is None or scan.last is None:
        return Check(
            id="holder_concentration",
            status="unknown",
            summary=say("holders.no_logs", first="?", last=block),
            evidence=logs_ev,
        ), balances
    if failed:
        summary = say("rpc_failed", error=failed)
        check = Check(
            id="holder_concentration", status="unknown", summary=summary, evidence=logs_ev
        )
        return check, balances
    span = {"first": scan.first, "last": scan.last, "block": block}
    if not supply:
        return Check(
            id="holder_concentration",
            status="unknown",
            summary=say(
                "holders.no_supply" if supply is None else "holders.zero_supply", block=block
            ),
            evidence=logs_ev,
        ), balances
    # Burnt tokens are held by no one.
    ranked = sorted(((v, h) for h, v in balances.items() if h not in RENOUNCED), reverse=True)
    top = [
        {"holder": to_checksum_address(h), "balance": str(v), "share": _pct(Fraction(v, supply))}
        for v, h in ranked[:10]
    ]
    details = {
        "threshold": _pct(THRESHOLD),
        "top_holders": top,
        "blocks": [scan.first, scan.last],
        "logs": scan.logs,
        "holders_read": len(holders),
    }
    more = [
        call_evidence(token, BALANCE_OF + abi.address_arg(h), block, results[holders.index(h)])
        for _, h in ranked[:3]
    ]
    seen = Fraction(sum(v for v, _ in ranked), supply)
    found = bool(ranked) and Fraction(ranked[0][0], supply) >= THRESHOLD
    if not found and 1 - seen >= THRESHOLD:
        summary = say("holders.partial", seen=_pct(seen), **span)
        return Check(
            id="holder_concentration",
            status="unknown",
            summary=summary,
            evidence=logs_ev,
            more_evidence=more,
            details=details,
        ), balances
    # The largest holder seen, over the threshold or (with enough of the supply seen) under it.
    status: Literal["found", "not_found"] = "found" if found else "not_found"
    v, h = ranked[0]
    summary = say(
        f"holders.{status}",
        holder=to_checksum_address(h),
        share=_pct(Fraction(v, supply)),
        threshold=_pct(THRESHOLD),
        **span,
    )
    return Check(
        id="holder_concentration",
        status=status,
        summary=summary,
        evidence=more[0],
        more_evidence=[logs_ev, *more[1:]],
        details=details,
    ), balances


def _pct(share: Fraction) -> str:
    """A share as a percentage with up to two decimals."""
    return f"{float(share * 100):.2f}".rstrip("0").rstrip(".") + "%"


def top_holder_calls(check: Check, block: int) -> list[tuple[str, list[Any]]]:
    """The code of the flagged holder, to say whether it is a contract or one key."""
    if check.status != "found":
        return []
    return [("eth_getCode", [check.details["top_holders"][0]["holder"], hex(block)])]


def with_holder_kind(check: Check, results: list[RpcResult], block: int) -> Check:
    """The flagged holder's kind added to the check, when its code was read."""
    if not results or not results[0].ok or not isinstance(results[0].result, str):
        return check
    code = results[0].result
    holder = check.details["top_holders"][0]["holder"]
    contract = code not in ("0x", "") and abi.delegation_target(code) is None
    ev = Evidence(
        method="eth_getCode",
        params=[holder, hex(block)],
        block=block,
        result=f"<{(len(code) - 2) // 2} bytes of code>" if contract else code,
    )
    return check.retold(
        check.said() + " " + say("holders.contract" if contract else "holders.eoa"),
        details={**check.details, "top_holder_is_contract": contract},
        more_evidence=[*check.more_evidence, ev],
    )
