"""The `integration` marker is honest: an unmarked test cannot reach the model or anvil."""

from __future__ import annotations

import subprocess

import pytest

from app.kb import embeddings
from bench.support.anvil import ANVIL
from tests.support import integration


def test_an_unmarked_test_that_loads_the_model_or_starts_anvil_fails() -> None:
    # This test is not marked, so the guard is armed while it runs; neither call gets far.
    with pytest.raises(pytest.fail.Exception, match="uses the real embedding model but is not"):
        embeddings.SentenceTransformerEmbedder("sentence-transformers/all-MiniLM-L6-v2")
    with pytest.raises(pytest.fail.Exception, match="uses anvil but is not marked integration"):
        subprocess.Popen([str(ANVIL), "--version"])
    with pytest.raises(pytest.fail.Exception, match="a `cryptorag` process"):
        subprocess.run(["cryptorag", "--help"], check=False)
    assert subprocess.run(["true"], check=False).returncode == 0  # other programs run


def test_tests_using_the_model_anvil_chromium_or_postgresql_are_marked(
    request: pytest.FixtureRequest,
) -> None:
    for item in request.session.items:
        if integration.needs_integration(item):
            assert item.get_closest_marker("integration"), item.nodeid
