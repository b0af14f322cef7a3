"""Checks read from runtime code: admin functions by selector, and a reachable SELFDESTRUCT."""

from __future__ import annotations

from dataclasses import dataclass

from eth_utils import keccak

from app.chain.checks.messages import say
from app.chain.evm import CodeReading, read_code
from app.chain.facts import Check, Evidence
from app.chain.signatures import SignatureTable

POWERS = ("mintable", "pausable", "blacklist", "owner_can_change_fee", "max_tx_limit")


@dataclass(frozen=True)
class Code:
    """Runtime code read at a block: whose, and the hex."""

    address: str
    hex: str
    block: int


def _evidence(code: Code, reading: CodeReading, named: dict[str, str]) -> Evidence:
    body = bytes.fromhex(code.hex.removeprefix("0x"))
    return Evidence(
        method="eth_getCode",
        params=[code.address, hex(code.block)],
        block=code.block,
        result={
            "code_keccak": "0x" + keccak(body).hex(),
            "code_bytes": reading.size,
            "selectors": len(reading.selectors),
            "matched": named,
        },
    )


def code_checks(own: Code | None, impl: Code | None, table: SignatureTable) -> list[Check]:
    """The five power checks on the implementation's code (a proxy's) or the own code, and
    SELFDESTRUCT in either."""
    target = impl or own
    where = say("where.impl", impl=impl.address) if impl else ""
    out: list[Check] = []
    reading = read_code(target.hex) if target and target.hex not in ("", "0x") else None
    for power in POWERS:
        out.append(_power(power, target, reading, table, where))
    out.append(_selfdestruct(own, impl))
    return out


def _power(
    power: str,
    code: Code | None,
    reading: CodeReading | None,
    table: SignatureTable,
    where: str,
) -> Check:
    what = say(f"what.{power}")
    if code is None or reading is None or not reading.selectors:
        return Check(
            id=power, status="unknown", summary=say("power.no_selectors", what=what, where=where)
        )
    known = {s: table.get(s) for s in reading.selectors}
    unnamed = sum(1 for v in known.values() if v is None)
    named = {s: v.signature for s, v in known.items() if v is not None and v.power == power}
    total = len(reading.selectors)
    caveat = (
        say("power.caveat", unnamed=unnamed, total=total)
        if unnamed
        else say("power.caveat_all_named")
    )
    details = {
        "functions": sorted(named.values()),
        "selectors": total,
        "unnamed_selectors": unnamed,
        "code_address": code.address,
    }
    evidence = _evidence(code, reading, named)
    if named:
        names = ", ".join(sorted(named.values()))
        summary = say("power.found", what=what, names=names, where=where, caveat=caveat)
        return Check(id=power, status="found", summary=summary, evidence=evidence, details=details)
    summary = say("power.not_found", what=what, total=total, where=where, caveat=caveat)
    return Check(id=power, status="not_found", summary=summary, evidence=evidence, details=details)


def _selfdestruct(own: Code | None, impl: Code | None) -> Check:
    codes = [c for c in (own, impl) if c is not None]
    where = say("where.impl", impl=impl.address) if impl else ""
    if not codes or any(c.hex in ("", "0x") for c in codes):
        return Check(
            id="selfdestruct", status="unknown", summary=say("selfdestruct.no_code", where=where)
        )
    readings = [(c, read_code(c.hex)) for c in codes]
    evidence = [_evidence(c, r, {}) for c, r in readings]
    for ev, (_, r) in zip(evidence, readings, strict=True):
        ev.result["selfdestruct_at"] = r.selfdestruct_at
    hit = next((n for n, (_, r) in enumerate(readings) if r.selfdestruct_at), None)
    if hit is not None:
        code, reading = readings[hit]
        at = say("where.impl", impl=code.address) if code is impl else ""
        offsets = ", ".join(str(o) for o in reading.selfdestruct_at[:5])
        return Check(
            id="selfdestruct",
            status="found",
            summary=say("selfdestruct.found", where=at, offsets=offsets),
            evidence=evidence[hit],
            more_evidence=evidence[:hit] + evidence[hit + 1 :],
            details={"code_address": code.address, "offsets": reading.selfdestruct_at},
        )
    return Check(
        id="selfdestruct",
        status="not_found",
        summary=say("selfdestruct.not_found", where=where),
        evidence=evidence[0],
        more_evidence=evidence[1:],
    )
