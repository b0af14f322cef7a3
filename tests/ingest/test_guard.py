"""The SSRF guard refuses every non-public destination unless the allowlist names it."""

from __future__ import annotations

import pytest

from app.core.settings import FetchSettings
from ingest.fetch.guard import FetchRefused, Guard


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://127.0.0.1/", "loopback"),
        ("http://localhost:8080/x", "loopback"),
        ("http://10.1.2.3/", "private"),
        ("http://192.168.0.10/", "private"),
        ("http://169.254.169.254/latest/meta-data/", "link-local"),
        ("http://[::1]/", "loopback"),
        ("http://[::ffff:127.0.0.1]/", "loopback"),
        ("http://0.0.0.0/", "unspecified"),
        ("http://224.0.0.1/", "multicast"),
        ("http://240.0.0.1/", "reserved"),
        ("http://100.64.0.1/", "not globally routable"),
        ("file:///etc/passwd", "scheme 'file'"),
        ("ftp://example.com/x", "scheme 'ftp'"),
        ("gopher://127.0.0.1:70/", "scheme 'gopher'"),
        ("http://user:pw@93.184.216.34/", "credentials"),
        ("http://no-such-host.invalid/", "cannot resolve"),
    ],
)
def test_refused(url: str, reason: str) -> None:
    with pytest.raises(FetchRefused, match=reason):
        Guard(FetchSettings()).check(url)


def test_public_address_passes_and_is_pinned() -> None:
    target = Guard(FetchSettings()).check("https://93.184.216.34:8443/feed")
    assert (target.scheme, target.port, str(target.ip)) == ("https", 8443, "93.184.216.34")


def test_allowlist_by_host_and_cidr() -> None:
    by_cidr = Guard(FetchSettings(fetch_allowlist=["127.0.0.0/30"]))
    assert str(by_cidr.check("http://127.0.0.1:9/").ip) == "127.0.0.1"
    with pytest.raises(FetchRefused):
        by_cidr.check("http://127.0.0.9/")
    by_host = Guard(FetchSettings(fetch_allowlist=["localhost"]))
    assert by_host.check("http://localhost/").host == "localhost"
    with pytest.raises(FetchRefused):
        by_host.check("http://10.0.0.1/")
