"""`cryptorag serve` trusts X-Forwarded-For only from the proxies the operator names."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from app.cli.serve import proxy_options
from app.core.settings import AccessSettings
from tests.support.serve_cli import serve_process

pytestmark = pytest.mark.integration
LIMIT = 3


def _search(client: httpx.Client, forwarded_for: str) -> int:
    reply = client.post(
        "/v1/search", json={"query": "weth"}, headers={"X-Forwarded-For": forwarded_for}
    )
    assert reply.status_code in (200, 429), reply.text
    return reply.status_code


@pytest.mark.parametrize("trusted", ["", "10.0.0.0/8"])
def test_a_rotating_forwarded_for_gets_no_fresh_bucket(tmp_path: Path, trusted: str) -> None:
    env = {"CRYPTORAG_RATE_LIMIT": f"{LIMIT}/minute", "CRYPTORAG_TRUSTED_PROXIES": trusted}
    with (
        serve_process(tmp_path / "data", env=env) as served,
        httpx.Client(base_url=served.url, timeout=60) as client,
    ):
        codes = [_search(client, f"203.0.113.{n}") for n in range(LIMIT + 2)]
    assert codes == [200] * LIMIT + [429, 429]


def test_a_named_proxy_forwards_the_client_address(tmp_path: Path) -> None:
    env = {"CRYPTORAG_RATE_LIMIT": f"{LIMIT}/minute", "CRYPTORAG_TRUSTED_PROXIES": "127.0.0.1"}
    with (
        serve_process(tmp_path / "data", env=env) as served,
        httpx.Client(base_url=served.url, timeout=60) as client,
    ):
        first = [_search(client, "203.0.113.7") for _ in range(LIMIT + 1)]
        other = _search(client, "198.51.100.9")
    assert first == [200] * LIMIT + [429]
    assert other == 200  # another client behind the proxy has its own bucket


def test_proxy_options_follow_the_setting() -> None:
    assert proxy_options(AccessSettings()) == {"proxy_headers": False}
    named = AccessSettings(trusted_proxies="127.0.0.1, 10.1.0.0/16")  # type: ignore[arg-type]
    assert proxy_options(named) == {
        "proxy_headers": True,
        "forwarded_allow_ips": ["127.0.0.1", "10.1.0.0/16"],
    }
    with pytest.raises(ValueError, match="not an IP address"):
        AccessSettings(trusted_proxies="proxy.internal")  # type: ignore[arg-type]
