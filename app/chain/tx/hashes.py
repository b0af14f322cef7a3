"""Transaction hashes in text: 0x and 64 hex digits, never an address (40) or part of longer hex."""

from __future__ import annotations

import re

from app.core.errors import BadRequest
from app.evm.addresses import ADDRESS_RE

TX_HASH_RE = re.compile(r"(?<![0-9A-Za-z])0x[0-9a-fA-F]{64}(?![0-9A-Za-z])")


def find_tx_hashes(text: str) -> list[str]:
    """Every transaction hash in the text, lower case, in order of first appearance, once each."""
    return list(dict.fromkeys(m.group(0).lower() for m in TX_HASH_RE.finditer(text)))


def parse_tx_hash(raw: str) -> str:
    """A hash in lower case; 422 with what was expected for anything else."""
    value = raw.strip()
    if TX_HASH_RE.fullmatch(value):
        return value.lower()
    if ADDRESS_RE.fullmatch(value):
        raise BadRequest(
            f"{value} is an address, not a transaction hash: look it up with "
            "GET /v1/contracts/{chain}/{address}",
            code="invalid_tx_hash",
        )
    raise BadRequest(
        f"{value[:80]!r} is not a transaction hash: expected 0x followed by 64 hex digits",
        code="invalid_tx_hash",
    )
