"""The rule for tests that need PostgreSQL or Redis: skip on a laptop, fail under CI."""

from __future__ import annotations

import socket

import pytest

from tests.support.backends import need


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_a_missing_service_fails_under_ci_and_skips_otherwise(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    port = _closed_port()
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI is set"):
        need("PostgreSQL", "127.0.0.1", port)
    monkeypatch.delenv("CI")
    with pytest.raises(pytest.skip.Exception, match="not reachable"):
        need("PostgreSQL", "127.0.0.1", port)
