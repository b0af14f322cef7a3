"""One deadline per fetch: every socket operation waits at most until the fetch's end.

httpx's timeouts apply to each operation on its own, so a server that sends 45 bytes every 2 s
never trips a 15 s read timeout and holds a fetch for as long as it likes. Here the network
layer under httpx clips each connect, read and write to the time the current fetch has left.
"""

from __future__ import annotations

import ssl
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

import httpcore
import httpx

# A timeout of 0 would make the socket non-blocking; the smallest real wait stands for "none".
_NO_TIME = 0.001


class Deadline(threading.local):
    """When the current thread's fetch must be done; None outside a fetch."""

    at: float | None = None

    @contextmanager
    def within(self, seconds: float) -> Iterator[None]:
        """Run the block under a deadline `seconds` from now."""
        previous, self.at = self.at, time.monotonic() + seconds
        try:
            yield
        finally:
            self.at = previous

    def left(self) -> float:
        """Seconds until the deadline (never negative); infinite outside a fetch."""
        return float("inf") if self.at is None else max(self.at - time.monotonic(), 0.0)

    def expired(self) -> bool:
        """Whether the current fetch has run out of time."""
        return self.left() <= 0.0

    def clip(self, timeout: float | None, late: type[Exception]) -> float | None:
        """An operation's timeout cut to the time left; `late` is raised when none is."""
        left = self.left()
        if left <= 0.0:
            raise late("the fetch's deadline has passed")
        if left == float("inf"):
            return timeout
        return max(left if timeout is None else min(timeout, left), _NO_TIME)


class _Stream(httpcore.NetworkStream):
    """A connection whose every read and write ends by the deadline."""

    def __init__(self, inner: httpcore.NetworkStream, deadline: Deadline) -> None:
        self._inner = inner
        self._deadline = deadline

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, self._deadline.clip(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, self._deadline.clip(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        clipped = self._deadline.clip(timeout, httpcore.ConnectTimeout)
        return _Stream(self._inner.start_tls(ssl_context, server_hostname, clipped), self._deadline)

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class _Backend(httpcore.NetworkBackend):
    """httpcore's socket backend with connections bound to the deadline."""

    def __init__(self, deadline: Deadline) -> None:
        self._inner = httpcore.SyncBackend()
        self._deadline = deadline

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        clipped = self._deadline.clip(timeout, httpcore.ConnectTimeout)
        stream = self._inner.connect_tcp(host, port, clipped, local_address, socket_options)
        return _Stream(stream, self._deadline)

    def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        raise httpcore.ConnectError("fetching over a unix socket is not supported")

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


def transport(deadline: Deadline) -> httpx.HTTPTransport:
    """httpx's transport with its connection pool on the deadline-bound backend."""
    result = httpx.HTTPTransport(trust_env=False)
    # httpx takes no network backend; its pool is replaced by one built as httpx builds it
    # (same TLS context and limits), with this backend. tests/ingest/test_fetch_deadline.py
    # fails if an httpx release stops using `_pool`.
    result._pool = httpcore.ConnectionPool(
        ssl_context=httpx.create_ssl_context(trust_env=False),
        max_connections=100,
        max_keepalive_connections=20,
        keepalive_expiry=5.0,
        network_backend=_Backend(deadline),
    )
    return result
