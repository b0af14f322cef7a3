"""A transfer simulated with eth_call from real holders: does it go through, and what arrives."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from functools import cache
from pathlib import Path
from typing import Any

from eth_abi import decode, encode
from eth_utils import keccak, to_checksum_address

from app.chain import abi
from app.chain.checks.messages import say
from app.chain.checks.owner import RENOUNCED, node_failure
from app.chain.facts import Check, CheckStatus, Evidence
from app.chain.rpc import RpcResult
from app.chain.signatures import SignatureTable

PROBE_PATH = Path(__file__).resolve().parents[1] / "data" / "probe.json"
TRANSFER = abi.selector("transfer(address,uint256)")
# A recipient no one has a key for, so no token treats it as special.
RECIPIENT = to_checksum_address(keccak(text="cryptorag transfer probe recipient")[-20:])
# The most recent recipients and the largest holders, this many of each, are simulated.
HOLDERS = 5
_CUSTOM = re.compile(r"custom error (0x[0-9a-fA-F]{8})")


@cache
def probe_code() -> str:
    """Runtime code of TransferProbe.sol (built by data/build_probe.py)."""
    return str(json.loads(PROBE_PATH.read_text(encoding="utf-8"))["runtime"])


@dataclass(frozen=True)
class Trial:
    """One holder's simulated transfer."""

    holder: str
    amount: int


def choose(
    balances: dict[str, int], recent: list[str], token: str, owner: str | None, supply: int | None
) -> tuple[list[Trial], bool]:
    """Recent recipients and the largest holders, not the owner; the owner only when no one else.

    Returns the trials and whether they are the owner's only. The amount is a tenth of the
    balance, at most 0.01% of the supply, so that ordinary limits on transfer size are not hit.
    """
    skip = RENOUNCED | {token.lower(), RECIPIENT.lower()}
    others = [h for h in recent if balances.get(h) and h not in skip and h != (owner or "").lower()]
    largest = sorted(others, key=lambda h: -balances[h])
    picked, owner_only = list(dict.fromkeys(others[:HOLDERS] + largest[:HOLDERS])), False
    if not picked and owner and balances.get(owner.lower()):
        picked, owner_only = [owner.lower()], True
    trials = []
    for h in picked:
        amount = balances[h] // 10 or balances[h]
        if supply and supply // 10_000:
            amount = min(amount, supply // 10_000)
        trials.append(Trial(to_checksum_address(h), amount))
    return trials, owner_only


def _transfer_data(amount: int) -> str:
    return TRANSFER + abi.address_arg(RECIPIENT) + amount.to_bytes(32, "big").hex()


def calls(token: str, trials: list[Trial], block: int) -> list[tuple[str, list[Any]]]:
    """Per trial: the plain transfer from the holder, then the probe placed at the holder."""
    tag = hex(block)
    out: list[tuple[str, list[Any]]] = []
    for t in trials:
        out.append(
            ("eth_call", [{"from": t.holder, "to": token, "data": _transfer_data(t.amount)}, tag])
        )
        probe_input = (
            "0x" + encode(["address", "address", "uint256"], [token, RECIPIENT, t.amount]).hex()
        )
        out.append(
            (
                "eth_call",
                [
                    {"from": t.holder, "to": t.holder, "data": probe_input},
                    tag,
                    {t.holder: {"code": probe_code()}},
                ],
            )
        )
    return out


@dataclass(frozen=True)
class Outcome:
    """What one trial showed."""

    trial: Trial
    reverted: str | None
    delivered: int | None
    plain: Evidence
    probe: Evidence
    # The node's error when the call did not run (a rate limit, say): no revert, no answer.
    failed: str | None = None


def amount_text(amount: int, decimals: int | None) -> str:
    """An amount in whole tokens when decimals are known, with the base units."""
    if decimals is None:
        return f"{amount} base units"
    whole = (Decimal(amount) / (Decimal(10) ** decimals)).normalize()
    return f"{whole:f} ({amount} base units)"


def revert_text(message: str, table: SignatureTable) -> str:
    """The node's revert message, with a known custom error's name put in."""
    found = _CUSTOM.search(message)
    name = table.error(found.group(1)) if found else None
    return message.replace(found.group(0), f"custom error {name}") if found and name else message


def outcomes(
    cs: list[tuple[str, list[Any]]],
    results: list[RpcResult],
    trials: list[Trial],
    block: int,
    table: SignatureTable,
) -> list[Outcome]:
    """Read each trial's pair of results."""
    out = []
    for i, t in enumerate(trials):
        plain_r, probe_r = results[2 * i], results[2 * i + 1]
        plain = Evidence(
            method="eth_call",
            params=cs[2 * i][1],
            block=block,
            result=plain_r.result,
            error=plain_r.error,
        )
        probe = Evidence(
            method="eth_call",
            params=cs[2 * i + 1][1],
            block=block,
            result=probe_r.result,
            error=probe_r.error,
        )
        delivered = None
        failed = node_failure(plain_r)
        reverted = None if plain_r.ok or failed else revert_text(plain_r.error or "", table)
        if (
            plain_r.ok
            and plain_r.result not in (None, "0x")
            and abi.decode_bool(plain_r.result) is False
        ):
            reverted = "transfer() returned false"
        if probe_r.ok and isinstance(probe_r.result, str):
            try:
                ok, _, _, to_before, to_after, _ = decode(
                    ["bool", "uint256", "uint256", "uint256", "uint256", "bytes"],
                    bytes.fromhex(probe_r.result[2:]),
                )
            except Exception:  # a malformed answer counts as no measurement
                ok = False
            if ok and to_after >= to_before and to_after != 2**256 - 1:
                delivered = to_after - to_before
        out.append(Outcome(t, reverted, delivered, plain, probe, failed))
    return out


def transfer_checks(
    results: list[Outcome], owner_only: bool, block: int, decimals: int | None
) -> list[Check]:
    """fee_on_transfer and transfer_blocked_for_holders."""
    if not results:
        return [
            Check(id=i, status="unknown", summary=say("fee.no_holder"))
            for i in ("fee_on_transfer", "transfer_blocked_for_holders")
        ]
    return [
        _fee(results, owner_only, block, decimals),
        _blocked(results, owner_only, block, decimals),
    ]


def _fee(results: list[Outcome], owner_only: bool, block: int, decimals: int | None) -> Check:
    measured = [o for o in results if o.reverted is None and o.delivered is not None]
    if not measured:
        failed = next((o.failed for o in results if o.failed), None)
        return Check(
            id="fee_on_transfer",
            status="unknown",
            summary=say("rpc_failed", error=failed)
            if failed
            else say("fee.reverted" if any(o.reverted for o in results) else "fee.unmeasured"),
            evidence=results[0].probe,
        )
    taxed = [o for o in measured if o.delivered is not None and o.delivered < o.trial.amount]
    o = taxed[0] if taxed else measured[0]
    assert o.delivered is not None
    percent = Fraction(o.trial.amount - o.delivered, o.trial.amount) * 100
    values = {
        "amount": amount_text(o.trial.amount, decimals),
        "holder": o.trial.holder,
        "delivered": amount_text(o.delivered, decimals),
        "block": block,
        "percent": f"{float(percent):.2f}".rstrip("0").rstrip(".") + "%",
    }
    details = {
        "holder": o.trial.holder,
        "amount": str(o.trial.amount),
        "delivered": str(o.delivered),
        "fee_percent": float(percent),
        "recipient": RECIPIENT,
    }
    more = [x.probe for x in measured if x is not o]
    if taxed:
        return Check(
            id="fee_on_transfer",
            status="found",
            summary=say("fee.found", **values),
            evidence=o.probe,
            details=details,
            more_evidence=more,
        )
    if owner_only:
        return Check(
            id="fee_on_transfer",
            status="unknown",
            summary=say("fee.not_found", **values)
            + " "
            + say("fee.owner_only", holder=o.trial.holder),
            evidence=o.probe,
            details=details,
        )
    return Check(
        id="fee_on_transfer",
        status="not_found",
        summary=say("fee.not_found", **values),
        evidence=o.probe,
        details=details,
        more_evidence=more,
    )


def _blocked(results: list[Outcome], owner_only: bool, block: int, decimals: int | None) -> Check:
    reverted = [o for o in results if o.reverted is not None]
    if reverted:
        o = reverted[0]
        summary = say(
            "blocked.found",
            amount=amount_text(o.trial.amount, decimals),
            holder=o.trial.holder,
            reason=o.reverted,
            block=block,
        )
        details = {
            "holder": o.trial.holder,
            "amount": str(o.trial.amount),
            "reason": o.reverted,
            "holders_tried": [x.trial.holder for x in results],
        }
        return Check(
            id="transfer_blocked_for_holders",
            status="found",
            summary=summary,
            evidence=o.plain,
            details=details,
            more_evidence=[x.plain for x in results if x is not o],
        )
    ran = [o for o in results if o.failed is None]
    if not ran:
        summary = say("rpc_failed", error=results[0].failed)
        return Check(
            id="transfer_blocked_for_holders",
            status="unknown",
            summary=summary,
            evidence=results[0].plain,
        )
    results = ran
    holders = ", ".join(o.trial.holder for o in results)
    summary = say("blocked.not_found", count=len(results), holders=holders, block=block)
    status: CheckStatus = "not_found"
    if owner_only:
        summary += " " + say("blocked.owner_only", holder=results[0].trial.holder)
        status = "unknown"
    return Check(
        id="transfer_blocked_for_holders",
        status=status,
        summary=summary,
        evidence=results[0].plain,
        more_evidence=[o.plain for o in results[1:]],
        details={"holders_tried": [o.trial.holder for o in results]},
    )
