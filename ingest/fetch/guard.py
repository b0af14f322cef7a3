"""The SSRF guard: every URL and redirect hop is resolved and must land on a public address."""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from app.core.settings import FetchSettings

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class FetchRefused(Exception):
    """A URL the fetcher will not fetch; the message is the reason."""


@dataclass(frozen=True)
class Target:
    """A vetted URL: the host as written, the address to connect to, and the port."""

    url: str
    scheme: str
    host: str
    port: int
    ip: IPAddress


def _forbidden(ip: IPAddress) -> str | None:
    """Why an address is not a public unicast one, or None."""
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        return _forbidden(ip.ipv4_mapped)
    for label, bad in (
        ("loopback", ip.is_loopback),
        ("link-local", ip.is_link_local),
        ("multicast", ip.is_multicast),
        ("unspecified", ip.is_unspecified),
        ("reserved", ip.is_reserved),
        ("private", ip.is_private),
        ("not globally routable", not ip.is_global),
    ):
        if bad:
            return label
    return None


class Guard:
    """Resolves hosts and refuses private, loopback, link-local, multicast and reserved ones."""

    def __init__(self, settings: FetchSettings) -> None:
        self.hosts = {h.lower().rstrip(".") for h in settings.fetch_allowlist}
        self.networks = settings.networks

    def check(self, url: str) -> Target:
        """The target to connect to, or FetchRefused with the reason."""
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        if scheme not in ("http", "https"):
            raise FetchRefused(f"scheme {scheme or '(none)'!r} is not http or https")
        if parts.username or parts.password:
            raise FetchRefused("URLs with credentials are not fetched")
        host = (parts.hostname or "").lower().rstrip(".")
        if not host:
            raise FetchRefused("URL has no host")
        try:
            port = parts.port or (443 if scheme == "https" else 80)
        except ValueError:
            raise FetchRefused("URL has an invalid port") from None
        ips = self._resolve(host, port)
        allowed_host = host in self.hosts
        for ip in ips:
            reason = _forbidden(ip)
            if reason and not allowed_host and not any(ip in net for net in self.networks):
                raise FetchRefused(
                    f"{host} resolves to {ip}, a {reason} address "
                    "(allow it with CRYPTORAG_FETCH_ALLOWLIST)"
                )
        return Target(url, scheme, host, port, ips[0])

    @staticmethod
    def _resolve(host: str, port: int) -> list[IPAddress]:
        try:
            return [ipaddress.ip_address(host)]
        except ValueError:
            pass
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except socket.gaierror as exc:
            raise FetchRefused(f"cannot resolve {host}: {exc.strerror}") from None
        ips: list[IPAddress] = []
        for info in infos:
            ip = ipaddress.ip_address(str(info[4][0]).split("%")[0])
            if ip not in ips:
                ips.append(ip)
        if not ips:
            raise FetchRefused(f"{host} has no addresses")
        return ips
