"""EVM addresses as exact keys: find them in text, validate the checksum, normalise to EIP-55."""

from __future__ import annotations

import re
from dataclasses import dataclass

from eth_utils import to_checksum_address

HEX40 = "[0-9a-fA-F]{40}"
# An address's spelling with nothing around it, for patterns that place it (a `chain:address`
# reference, a registry line); ADDRESS_RE is the one that finds addresses in text.
ADDRESS = f"0x{HEX40}"
# 40 hex digits after 0x, not part of a longer hex run (tx hashes are 64 digits).
ADDRESS_RE = re.compile(rf"(?<![0-9A-Za-z]){ADDRESS}(?![0-9A-Za-z])")
# What a reader still takes for an address and copies: 0X, no prefix, a doubled 0x0x, or letters
# glued on either side. Never part of a longer hex run. Group 1 is the 40 digits.
# "Ox" (the letter O) is no spelling of 0x: no wallet takes it, and the near-miss notice quotes it.
SPELLED_ADDRESS_RE = re.compile(rf"(?<![0-9a-fA-F])(?<![oO][xX])(?:0[xX])*({HEX40})(?![0-9a-fA-F])")


@dataclass(frozen=True)
class FoundAddress:
    """An address as written, with its EIP-55 form and how far it can be trusted."""

    raw: str
    checksum: str
    # "valid": mixed case with a correct checksum, or no letters at all (no case to check);
    # "unchecked": letters all in one case; "invalid": mixed case whose checksum is wrong
    # (a typo, or a look-alike).
    status: str


def classify(raw: str) -> FoundAddress:
    """Normalise one 0x-address and say whether its checksum could be checked."""
    if not ADDRESS_RE.fullmatch(raw):
        raise ValueError(f"{raw!r} is not a 0x-prefixed 40-hex-digit address")
    checksum = to_checksum_address(raw.lower())
    body = raw[2:]
    if body.isdigit():
        # EIP-55 encodes the checksum in the case of the letters a-f; digits carry none.
        status = "valid"
    elif body == body.lower() or body == body.upper():
        status = "unchecked"
    elif raw == checksum:
        status = "valid"
    else:
        status = "invalid"
    return FoundAddress(raw=raw, checksum=checksum, status=status)


def find_addresses(text: str) -> list[FoundAddress]:
    """Every address in the text, in order of first appearance, once each."""
    seen: dict[str, FoundAddress] = {}
    for match in ADDRESS_RE.finditer(text):
        found = classify(match.group(0))
        seen.setdefault(found.checksum, found)
    return list(seen.values())


def normalise_all(values: list[str]) -> list[str]:
    """EIP-55 forms of the addresses in a list of strings, skipping anything that is not one."""
    out: list[str] = []
    for value in values:
        for found in find_addresses(str(value)):
            if found.checksum not in out:
                out.append(found.checksum)
    return out


# An attempt at an address: 0x (any case, or the letter O for the zero) and a run of letters and
# digits, possibly broken by single spaces into hex parts; _near() says what is wrong with it.
_ATTEMPT_RE = re.compile(r"(?<![0-9A-Za-z])[0O][xX][0-9A-Za-z]+(?: [0-9a-fA-F]+)*")
_NEAR_LENGTHS = range(38, 43)  # characters after 0x that are still an attempt at 40
_HEX_DIGITS = frozenset("0123456789abcdefABCDEF")


@dataclass(frozen=True)
class NearMiss:
    """Something written as an address that is not one, and what is wrong with it."""

    raw: str
    # "length": not 40 characters; "non_hex": a character that is not a hex digit;
    # "space": a space inside; "checksum": mixed case whose EIP-55 checksum is wrong.
    problem: str
    length: int  # characters after 0x, spaces left out
    bad: str = ""  # the characters that are not hex digits, in order, once each
    expected: str = ""  # the EIP-55 spelling, for a wrong checksum


def _near(raw: str) -> NearMiss | None:
    body = raw[2:].replace(" ", "")
    head = raw[0] if raw[0] != "0" else ""  # the letter O written for the zero of 0x
    bad = "".join(dict.fromkeys(head + "".join(c for c in body if c not in _HEX_DIGITS)))
    if len(body) not in _NEAR_LENGTHS:
        return None
    if " " in raw:
        return NearMiss(raw, "space", len(body), bad)
    if bad:
        return NearMiss(raw, "non_hex", len(body), bad)
    if len(body) != 40:
        return NearMiss(raw, "length", len(body))
    if raw.startswith("0x"):
        found = classify(raw)
        if found.status == "invalid":
            return NearMiss(raw, "checksum", 40, expected=found.checksum)
    return None


def near_misses(text: str) -> list[NearMiss]:
    """What in the text is written like an address but is not one (a typo, a cut, a look-alike).

    Hex parts after a space join the run only while it is short of 40, so a sentence going on
    after an address is not read as part of it; transaction hashes (64 digits) are no attempt.
    """
    out: dict[str, NearMiss] = {}
    for match in _ATTEMPT_RE.finditer(text):
        parts = match.group(0).split(" ")
        joined = parts[0]
        for part in parts[1:]:
            if len(joined[2:].replace(" ", "")) >= 40:
                break
            joined = f"{joined} {part}"
        length = len(joined[2:].replace(" ", ""))
        # Parts that make exactly 40 are one address; else the first part, if it is near 40.
        first_near = len(parts[0]) - 2 in _NEAR_LENGTHS
        raw = joined if length == 40 or (length in _NEAR_LENGTHS and not first_near) else parts[0]
        miss = _near(raw)
        if miss is not None:
            out.setdefault(miss.raw, miss)
    return list(out.values())
