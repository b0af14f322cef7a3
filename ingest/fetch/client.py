"""HTTP fetching for ingestion: pinned to vetted addresses, bounded, polite and conditional."""

from __future__ import annotations

import logging
import threading
import time
import urllib.robotparser
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from urllib.parse import urljoin, urlsplit, urlunsplit

import httpx
from tenacity import (
    retry,
    retry_if_exception_type,
    stop_after_attempt,
    wait_exponential,
)

from app.core.settings import FetchSettings
from ingest.fetch.deadline import Deadline, transport
from ingest.fetch.guard import FetchRefused, Guard, Target

log = logging.getLogger(__name__)

USER_AGENT = "CryptoRAG-ingest/0.1 (+https://github.com/cryptorag)"
MAX_REDIRECTS = 5
RETRY_STATUS = {429, 500, 502, 503, 504}


class FetchFailed(Exception):
    """A fetch that went wrong on the other side (status, size, type, network)."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class DeadlineExceeded(FetchFailed):
    """A fetch that took longer than its timeout, however the server paced its bytes."""


class _Retryable(Exception):
    """A transient failure worth another try; carries a server-requested delay."""

    def __init__(self, message: str, delay: float = 0.0) -> None:
        super().__init__(message)
        self.delay = delay


@dataclass
class Fetched:
    """A response body and the validators for the next conditional request."""

    url: str
    status: int
    content: bytes
    content_type: str
    etag: str | None = None
    last_modified: str | None = None

    @property
    def not_modified(self) -> bool:
        """True for 304: the stored copy is current."""
        return self.status == 304


class Fetcher:
    """One HTTP client for a run: every hop checked by the guard, robots.txt honoured."""

    def __init__(
        self,
        settings: FetchSettings,
        *,
        timeout_s: float = 15.0,
        max_bytes: int = 10 * 1024 * 1024,
        host_delay_s: float = 1.0,
        retries: int = 3,
    ) -> None:
        self.guard = Guard(settings)
        self.timeout_s = timeout_s
        self.max_bytes = max_bytes
        self.host_delay_s = host_delay_s
        self.retries = retries
        # timeout_s bounds a whole fetch (redirects, retries, the body), not each read.
        self._deadline = Deadline()
        self.client = httpx.Client(
            timeout=httpx.Timeout(timeout_s, connect=min(timeout_s, 5.0)),
            transport=transport(self._deadline),
            follow_redirects=False,
            headers={"User-Agent": USER_AGENT},
            trust_env=False,  # a proxy would connect by name and undo the address pinning
        )
        self._robots: dict[str, urllib.robotparser.RobotFileParser | None] = {}
        self._last: dict[str, float] = {}
        self._lock = threading.Lock()

    def close(self) -> None:
        """Close the connection pool."""
        self.client.close()

    def fetch(
        self,
        url: str,
        accept: tuple[str, ...],
        etag: str | None = None,
        last_modified: str | None = None,
    ) -> Fetched:
        """GET a URL with conditional headers; FetchRefused or FetchFailed say why not."""
        if not self.allowed_by_robots(url):
            raise FetchRefused(f"robots.txt of {urlsplit(url).netloc} disallows {url}")
        headers = {"Accept": ", ".join(accept) + ", */*;q=0.1"}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified

        @retry(
            retry=retry_if_exception_type(_Retryable),
            stop=stop_after_attempt(self.retries + 1),
            wait=lambda rs: min(
                max(
                    wait_exponential(multiplier=0.5, max=8)(rs),
                    getattr(rs.outcome.exception(), "delay", 0.0) if rs.outcome else 0.0,
                ),
                self._deadline.left(),  # no wait outlasts the fetch
            ),
            reraise=True,
        )
        def attempt() -> Fetched:
            return self._follow(url, headers, accept)

        try:
            with self._deadline.within(self.timeout_s):
                return attempt()
        except _Retryable as exc:
            raise FetchFailed(str(exc)) from None

    def allowed_by_robots(self, url: str) -> bool:
        """Whether robots.txt of the URL's origin lets this agent fetch it (fetched once)."""
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        if origin not in self._robots:
            parser: urllib.robotparser.RobotFileParser | None = None
            try:
                with self._deadline.within(self.timeout_s):
                    got = self._follow(
                        origin + "/robots.txt", {}, ("text/plain",), check_type=False
                    )
                if got.status == 200:
                    parser = urllib.robotparser.RobotFileParser()
                    parser.parse(got.content.decode("utf-8", "replace").splitlines())
            except (_Retryable, DeadlineExceeded):
                # RFC 9309: an unreachable robots.txt (5xx, timeout) means assume complete disallow.
                parser = urllib.robotparser.RobotFileParser()
                parser.parse(["User-agent: *", "Disallow: /"])
            except (FetchFailed, FetchRefused):
                parser = None  # no robots.txt (4xx): everything is allowed
            self._robots[origin] = parser
        parser = self._robots[origin]
        return parser is None or parser.can_fetch(USER_AGENT, url)

    def _follow(
        self,
        url: str,
        headers: dict[str, str],
        accept: tuple[str, ...],
        check_type: bool = True,
    ) -> Fetched:
        """Follow redirects by hand so that every hop passes the guard."""
        for _ in range(MAX_REDIRECTS + 1):
            target = self.guard.check(url)
            status, got, body = self._get(target, headers)
            if status in (301, 302, 303, 307, 308) and "location" in got:
                url = urljoin(url, got["location"])
                continue
            return self._result(url, status, got, body, accept, check_type)
        raise FetchFailed(f"more than {MAX_REDIRECTS} redirects")

    def _get(self, target: Target, headers: dict[str, str]) -> tuple[int, httpx.Headers, bytes]:
        """One request to the vetted address, with Host and SNI of the name: no second lookup."""
        self._polite(target.host)
        if self._deadline.expired():
            raise self._late(target.url)
        parts = urlsplit(target.url)
        ip = f"[{target.ip}]" if target.ip.version == 6 else str(target.ip)
        netloc = f"{ip}:{target.port}"
        pinned = urlunsplit((parts.scheme, netloc, parts.path or "/", parts.query, ""))
        default = 443 if target.scheme == "https" else 80
        host = target.host if target.port == default else f"{target.host}:{target.port}"
        extensions = {"sni_hostname": target.host} if target.scheme == "https" else {}
        request = self.client.build_request(
            "GET", pinned, headers={**headers, "Host": host}, extensions=extensions
        )
        try:
            response = self.client.send(request, stream=True)
        except httpx.TimeoutException:
            if self._deadline.expired():
                raise self._late(target.url) from None
            raise _Retryable(f"timed out fetching {target.url}") from None
        except httpx.TransportError as exc:
            raise _Retryable(f"network error fetching {target.url}: {type(exc).__name__}") from None
        try:
            if response.status_code in RETRY_STATUS:
                raise _Retryable(
                    f"{target.url} answered {response.status_code}",
                    _retry_after(response.headers.get("retry-after")),
                )
            body = bytearray()
            declared = response.headers.get("content-length")
            if declared and declared.isdigit() and int(declared) > self.max_bytes:
                raise FetchFailed(
                    f"{target.url} is larger than {self.max_bytes} bytes ({declared} declared)"
                )
            for chunk in response.iter_bytes():
                body.extend(chunk)
                if len(body) > self.max_bytes:
                    raise FetchFailed(f"{target.url} is larger than {self.max_bytes} bytes")
                if self._deadline.expired():  # bytes that keep coming do not extend the fetch
                    raise self._late(target.url)
        except httpx.TimeoutException:
            if self._deadline.expired():
                raise self._late(target.url) from None
            raise _Retryable(f"timed out reading {target.url}") from None
        finally:
            response.close()
        return response.status_code, response.headers, bytes(body)

    def _late(self, url: str) -> DeadlineExceeded:
        return DeadlineExceeded(f"{url} was not fetched within {self.timeout_s:g}s")

    def _result(
        self,
        url: str,
        status: int,
        headers: httpx.Headers,
        body: bytes,
        accept: tuple[str, ...],
        check_type: bool,
    ) -> Fetched:
        ctype = headers.get("content-type", "").split(";")[0].strip().lower()
        if status not in (200, 304):
            raise FetchFailed(f"{url} answered {status}", status)
        if status == 200 and check_type and not any(ctype.startswith(a) for a in accept):
            wanted = ", ".join(accept)
            raise FetchFailed(f"{url} has content type {ctype or '(none)'}, not {wanted}")
        return Fetched(
            url=url,
            status=status,
            content=body if status == 200 else b"",
            content_type=ctype,
            etag=headers.get("etag"),
            last_modified=headers.get("last-modified"),
        )

    def _polite(self, host: str) -> None:
        """At most one request per host every host_delay_s."""
        with self._lock:
            wait = self._last.get(host, 0.0) + self.host_delay_s - time.monotonic()
            self._last[host] = time.monotonic() + max(wait, 0.0)
        if wait > 0:
            time.sleep(wait)


def _retry_after(value: str | None) -> float:
    """Seconds from a Retry-After header (delta or date), capped at a minute."""
    if not value:
        return 0.0
    if value.strip().isdigit():
        return min(float(value), 60.0)
    try:
        return min(max(parsedate_to_datetime(value).timestamp() - time.time(), 0.0), 60.0)
    except (TypeError, ValueError):
        return 0.0
