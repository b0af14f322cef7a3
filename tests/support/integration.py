"""What makes a test an integration test, and the guard that keeps the marker honest.

An integration test needs something heavy or outside the process: the real embedding model,
anvil, chromium, PostgreSQL or Redis, or a `cryptorag` process of its own. Everything else is a
unit test and runs in `make unit` (`pytest -m "not integration"`), which must need none of them.

`tests/conftest.py` marks a test by the fixtures it uses (`FIXTURES`) and by a `postgresql`
parameter; a test that reaches one of these things some other way carries the marker itself.
While an unmarked test runs, `require` fails it with what to do, so a missing marker shows the
first time the test runs instead of quietly making the unit run slow.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

# Fixture name -> what it brings; a test using one of them (even indirectly) is marked.
FIXTURES = {
    "embedder": "the real embedding model",
    "chain": "anvil",
    "browser": "chromium",
}
# A parameter value that puts a test on the PostgreSQL of the machine.
BACKEND_PARAMS = {"postgresql"}

# Programs a test may start only when marked: name -> what it is.
PROGRAMS = {"cryptorag": "a `cryptorag` process", "anvil": "anvil"}

_running_unmarked: str | None = None


def needs_integration(item: pytest.Item) -> str | None:
    """Why this collected test is an integration test by what it uses, or None."""
    names = set(getattr(item, "fixturenames", ()))
    for name, what in FIXTURES.items():
        if name in names:
            return what
    callspec = getattr(item, "callspec", None)
    if callspec is not None and BACKEND_PARAMS & {str(v) for v in callspec.params.values()}:
        return "PostgreSQL"
    return None


def enter(item: pytest.Item) -> None:
    """A test starts: the guard is armed when it is not marked integration."""
    global _running_unmarked
    _running_unmarked = None if item.get_closest_marker("integration") else item.nodeid


def leave() -> None:
    """The test is over (its teardown too)."""
    global _running_unmarked
    _running_unmarked = None


def require(what: str) -> None:
    """Fail the running test when it is not marked integration but uses `what`."""
    if _running_unmarked is not None:
        pytest.fail(
            f"{_running_unmarked} uses {what} but is not marked integration: add "
            "`pytestmark = pytest.mark.integration` (or the decorator) so that `make unit` "
            "runs without it (tests/support/integration.py)",
            pytrace=False,
        )


def guard_process(args: Sequence[Any] | str) -> None:
    """Fail an unmarked test that starts anvil or a `cryptorag` process (it loads the model)."""
    first = args if isinstance(args, str) else (args[0] if args else "")
    name = Path(str(first).split(" ")[0]).name
    if name in PROGRAMS:
        require(PROGRAMS[name])
