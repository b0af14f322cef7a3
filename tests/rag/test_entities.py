"""What the entity finder knows of names: the token a protocol issues."""

from __future__ import annotations

import pytest

from app.chain.canonical import CanonicalTokens
from app.rag.entities import EntityFinder


@pytest.fixture(scope="module")
def finder() -> EntityFinder:
    return EntityFinder(CanonicalTokens.load())


def test_a_protocol_issues_the_listed_token_its_name_starts_with(finder: EntityFinder) -> None:
    assert finder.token_of("Curve") == "CRV"
    assert finder.token_of("Lido") == "LDO"
    assert finder.token_of("Tornado Cash") is None
    assert finder.token_of("Wrapped") is None
