"""Transaction hashes told apart from addresses and longer hex."""

from __future__ import annotations

import pytest

from app.chain.tx.hashes import find_tx_hashes, parse_tx_hash
from app.core.errors import BadRequest

HASH = "0x" + "Ab" * 32
ADDRESS = "0x5FbDB2315678afecb367f032d93F642f64180aa3"


def test_hashes_in_text_are_found_once_in_lower_case() -> None:
    text = f"what did {HASH} do? it called {ADDRESS}; again: {HASH.lower()}."
    assert find_tx_hashes(text) == [HASH.lower()]


def test_addresses_and_longer_hex_are_not_hashes() -> None:
    assert find_tx_hashes(f"{ADDRESS} and 0x{'ab' * 33} and x{HASH}") == []


def test_parse_accepts_any_case_and_refuses_the_rest() -> None:
    assert parse_tx_hash(f"  {HASH} ") == HASH.lower()
    with pytest.raises(BadRequest, match="is an address, not a transaction hash") as exc:
        parse_tx_hash(ADDRESS)
    assert exc.value.code == "invalid_tx_hash" and exc.value.status == 422
    with pytest.raises(BadRequest, match="expected 0x followed by 64 hex digits"):
        parse_tx_hash("0x1234")
