"""A session-wide anvil (chain id 1, served as "ethereum") with the fixture contracts deployed."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.anvil import anvil, deploy_fixtures


@pytest.fixture(scope="session")
def chain() -> Iterator[tuple[str, dict[str, str]]]:
    """The node's URL and the fixture addresses by role."""
    with anvil(chain_id=1) as url:
        yield url, deploy_fixtures(url)
