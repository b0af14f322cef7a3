"""Fixtures of the ingestion tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bench.support.server import serve
from tests.support.websrc import Site, build_site


@pytest.fixture
def site() -> Iterator[Site]:
    """The test website on a loopback port."""
    state = Site()
    with serve(build_site(state)) as url:
        state.base = url
        yield state
