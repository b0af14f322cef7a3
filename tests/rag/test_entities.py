"""What the entity finder knows of names: the token a protocol issues."""

from __future__ import annotations

import pytest

from app.chain.canonical import CanonicalTokens
from app.rag.entities import EntityFinder
from app.rag.subject import Entity, Subject


@pytest.fixture(scope="module")
def finder() -> EntityFinder:
    return EntityFinder(CanonicalTokens.load())


def test_a_protocol_issues_the_listed_token_its_name_starts_with(finder: EntityFinder) -> None:
    assert finder.token_of("Curve") == "CRV"
    assert finder.token_of("Lido") == "LDO"
    assert finder.token_of("Tornado Cash") is None
    assert finder.token_of("Wrapped") is None


def test_a_listed_address_moves_to_the_same_token_on_the_chain_named(
    finder: EntityFinder,
) -> None:
    uni = "0x1f9840a85d5aF5bf1D1762F925BDADdC4201F984"
    subject = Subject((Entity("address", uni, "Uniswap (UNI)", "ethereum"),), "ethereum")
    moved = finder.moved(subject, "base")
    assert moved.entities[0].value == "0xc3De830EA07524a0761646a6a4e4be0e114a3C83"
    assert moved.entities[0].chain == "base"
    unlisted = Subject((Entity("address", "0x" + "ab" * 20, "", "ethereum"),), "ethereum")
    assert finder.moved(unlisted, "base") == unlisted  # its block says no document puts it there
