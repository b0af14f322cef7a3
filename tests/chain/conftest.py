"""The token-risk fixtures, on the session's anvil."""

from __future__ import annotations

import pytest

from bench.support.risk_tokens import deploy_risk_fixtures


@pytest.fixture(scope="session")
def risks(chain: tuple[str, dict[str, str]]) -> dict[str, str]:
    """Addresses of the risk fixtures by role."""
    return deploy_risk_fixtures(chain[0])
