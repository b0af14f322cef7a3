"""Strings written as an address that are not one: found, and what is wrong named."""

from __future__ import annotations

import pytest

from app.evm.addresses import near_misses
from app.rag.notices import near_miss_lead, near_miss_problem

USDC = "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48"
HASH = "0x" + "ab" * 32


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (USDC[:-1], "length"),
        (USDC + "4", "length"),
        (USDC[:-2], "length"),
        (USDC + "48", "length"),
        (USDC[:12] + "O" + USDC[13:], "non_hex"),
        (USDC[:-1] + "g", "non_hex"),
        ("Ox" + USDC[2:], "non_hex"),
        (USDC[:20] + " " + USDC[20:], "space"),
        (USDC[:15] + " " + USDC[15:30] + " " + USDC[30:], "space"),
        (USDC[:40] + " " + USDC[40:], "space"),
        ("0xa0B" + USDC[5:], "checksum"),
        ("0X" + USDC[2:-1], "length"),
    ],
)
def test_each_kind_of_near_miss_is_found(text: str, problem: str) -> None:
    found = near_misses(f"what is {text} ?")
    assert [m.problem for m in found] == [problem]
    assert found[0].raw == text


@pytest.mark.parametrize(
    "text",
    [
        f"is {USDC} a fee token",
        f"what is {USDC.lower()}",
        f"tx {HASH}",
        "see 0x12 and 0xdeadbeef cafe",
        "Oxford and 0x0",
    ],
)
def test_addresses_hashes_and_short_hex_are_not_near_misses(text: str) -> None:
    assert near_misses(text) == []


def test_each_problem_is_said_in_words() -> None:
    wrong = {
        USDC[:-1]: "39 characters after 0x, too few",
        USDC[:12] + "O" + USDC[13:]: "'O', which is not a hex digit",
        USDC[:20] + " " + USDC[20:]: "a space inside",
        "0xa0B" + USDC[5:]: "EIP-55 checksum",
    }
    for text, words in wrong.items():
        (miss,) = near_misses(text)
        assert words in near_miss_problem(miss)
    lead = near_miss_lead(near_misses(USDC[:-1]))
    assert lead.startswith(f"**Not an address:** `{USDC[:-1]}` has 39 characters")
    assert "It was not looked up" in lead
