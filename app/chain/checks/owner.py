"""Checks of who controls a token: paused(), owner()/getOwner(), and the owner's own code."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from eth_utils import to_checksum_address

from app.chain import abi
from app.chain.checks.messages import say
from app.chain.facts import Check, CheckStatus, Evidence
from app.chain.rpc import RpcResult

PAUSED = abi.selector("paused()")
OWNER = abi.selector("owner()")
GET_OWNER = abi.selector("getOwner()")
THRESHOLD = abi.selector("getThreshold()")
OWNERS = abi.selector("getOwners()")
# Owners that no key controls: the zero address and the customary burn address.
RENOUNCED = {"0x" + "0" * 40, "0x000000000000000000000000000000000000dead"}


def node_failure(res: RpcResult) -> str | None:
    """The node's error when a call did not run at all (a rate limit, an outage), not a revert."""
    error = res.error or ""
    return error if error and "revert" not in error.lower() else None


def call_evidence(to: str, data: str, block: int, res: RpcResult, **extra: Any) -> Evidence:
    """An eth_call as evidence."""
    return Evidence(
        method="eth_call",
        params=[{"to": to, "data": data, **extra}, hex(block)],
        block=block,
        result=res.result if res.ok else None,
        error=res.error,
    )


def word_address(result: object) -> str | None:
    """An address word, the zero address included; None when it is not one."""
    if not isinstance(result, str) or len(result) < 66:
        return None
    body = result.removeprefix("0x")[:64]
    if body[:24].strip("0"):
        return None
    try:
        return to_checksum_address("0x" + body[24:])
    except ValueError:
        return None


@dataclass(frozen=True)
class OwnerRead:
    """The owner as the token reports it, and the call that said so."""

    address: str
    method: str
    evidence: Evidence

    @property
    def renounced(self) -> bool:
        """True for the zero or burn address."""
        return self.address.lower() in RENOUNCED


def read_owner(token: str, block: int, owner: RpcResult, get_owner: RpcResult) -> OwnerRead | None:
    """owner(), else getOwner() (BEP-20), from the inspector's main batch."""
    for method, data, res in (("owner()", OWNER, owner), ("getOwner()", GET_OWNER, get_owner)):
        found = word_address(res.result) if res.ok else None
        if found:
            return OwnerRead(found, method, call_evidence(token, data, block, res))
    return None


def paused_check(token: str, block: int, res: RpcResult) -> Check:
    """paused() as the token reports it now."""
    ev = call_evidence(token, PAUSED, block, res)
    value = abi.decode_bool(res.result) if res.ok else None
    if value is None:
        failed = node_failure(res)
        summary = say("rpc_failed", error=failed) if failed else say("paused.unknown")
        return Check(id="paused_now", status="unknown", summary=summary, evidence=ev)
    status: CheckStatus = "found" if value else "not_found"
    return Check(
        id="paused_now", status=status, summary=say(f"paused.{status}", block=block), evidence=ev
    )


def owner_calls(owner: OwnerRead, block: int) -> list[tuple[str, list[Any]]]:
    """The owner's code and its Safe getters, for one batch."""
    tag = hex(block)
    return [
        ("eth_getCode", [owner.address, tag]),
        ("eth_call", [{"to": owner.address, "data": THRESHOLD}, tag]),
        ("eth_call", [{"to": owner.address, "data": OWNERS}, tag]),
    ]


def owner_checks(
    owner: OwnerRead | None, block: int, results: list[RpcResult] | None, why: str | None
) -> list[Check]:
    """ownership_renounced, owner_is_eoa and owner_is_multisig."""
    ids = ("ownership_renounced", "owner_is_eoa", "owner_is_multisig")
    if owner is None:
        return [Check(id=i, status="unknown", summary=say("owner.none")) for i in ids]
    values = {"owner": owner.address, "method": owner.method, "block": block}
    renounced = Check(
        id="ownership_renounced",
        status="found" if owner.renounced else "not_found",
        summary=say("renounced.found" if owner.renounced else "renounced.not_found", **values),
        evidence=owner.evidence,
        details={"owner": owner.address},
    )
    if owner.renounced:
        gone = say("eoa.renounced")
        return [renounced] + [
            Check(id=i, status="not_found", summary=gone, evidence=owner.evidence) for i in ids[1:]
        ]
    if results is None:
        fail = why or ""
        return [renounced] + [Check(id=i, status="unknown", summary=fail) for i in ids[1:]]
    code_r, threshold_r, owners_r = results
    tag = hex(block)
    code_ev = Evidence(
        method="eth_getCode",
        params=[owner.address, tag],
        block=block,
        result=_short(code_r.result) if code_r.ok else None,
        error=code_r.error,
    )
    if not code_r.ok or not isinstance(code_r.result, str):
        fail = say("rpc_failed", error=code_r.error or "no code returned")
        return [renounced] + [
            Check(id=i, status="unknown", summary=fail, evidence=code_ev) for i in ids[1:]
        ]
    # An EIP-7702 delegated account still has a private key behind it.
    plain = code_r.result in ("0x", "") or abi.delegation_target(code_r.result) is not None
    eoa = Check(
        id="owner_is_eoa",
        status="found" if plain else "not_found",
        summary=say("eoa.found" if plain else "eoa.not_found", **values),
        evidence=code_ev,
        more_evidence=[owner.evidence],
    )
    if plain:
        multisig = Check(
            id="owner_is_multisig",
            status="not_found",
            summary=say("multisig.eoa", **values),
            evidence=code_ev,
        )
        return [renounced, eoa, multisig]
    threshold = abi.decode_uint(threshold_r.result) if threshold_r.ok else None
    count = _array_length(owners_r.result) if owners_r.ok else None
    safe_ev = call_evidence(owner.address, THRESHOLD, block, threshold_r)
    owners_ev = call_evidence(owner.address, OWNERS, block, owners_r)
    failed = node_failure(threshold_r) or node_failure(owners_r)
    if failed:
        multisig = Check(
            id="owner_is_multisig",
            status="unknown",
            summary=say("rpc_failed", error=failed),
            evidence=safe_ev,
            more_evidence=[owners_ev, code_ev],
        )
    elif threshold and count and threshold <= count:
        multisig = Check(
            id="owner_is_multisig",
            status="found",
            summary=say("multisig.found", threshold=threshold, count=count, **values),
            evidence=safe_ev,
            more_evidence=[owners_ev, code_ev],
            details={"threshold": threshold, "owners": count},
        )
    else:
        multisig = Check(
            id="owner_is_multisig",
            status="not_found",
            summary=say("multisig.not_found", **values),
            evidence=safe_ev,
            more_evidence=[owners_ev, code_ev],
        )
    return [renounced, eoa, multisig]


def _short(code: object) -> object:
    """Code as evidence: empty shown as is, else its size (the call returns it in full)."""
    if not isinstance(code, str) or code in ("0x", ""):
        return code
    return f"<{(len(code) - 2) // 2} bytes of code>"


def _array_length(result: object) -> int | None:
    """Length of an ABI-encoded dynamic array return value."""
    if not isinstance(result, str):
        return None
    raw = result.removeprefix("0x")
    if len(raw) < 128:
        return None
    offset = int(raw[:64], 16) * 2
    if offset + 64 > len(raw):
        return None
    length = int(raw[offset : offset + 64], 16)
    return length if length <= 1000 else None
