"""EVM addresses as exact keys: find them in text, validate the checksum, normalise to EIP-55."""

from __future__ import annotations

import re
from dataclasses import dataclass

from eth_utils import to_checksum_address

_HEX40 = "[0-9a-fA-F]{40}"
# 40 hex digits after 0x, not part of a longer hex run (tx hashes are 64 digits).
_ADDRESS_RE = re.compile(rf"(?<![0-9A-Za-z])0x{_HEX40}(?![0-9A-Za-z])")
# What a reader still takes for an address and copies: 0X, no prefix, a doubled 0x0x, or letters
# glued on either side. Never part of a longer hex run. Group 1 is the 40 digits.
SPELLED_ADDRESS_RE = re.compile(rf"(?<![0-9a-fA-F])(?:0[xX])*({_HEX40})(?![0-9a-fA-F])")


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
    if not _ADDRESS_RE.fullmatch(raw):
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
    for match in _ADDRESS_RE.finditer(text):
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
