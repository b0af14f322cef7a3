"""Real transactions on the session's anvil, sent once for the explainer's tests."""

from __future__ import annotations

from typing import Any

import pytest

from bench.support.transactions import send_transactions


@pytest.fixture(scope="session")
def sent(chain: tuple[str, dict[str, str]]) -> dict[str, Any]:
    """Hashes of real transactions by kind, and the accounts they involve."""
    return send_transactions(*chain)
