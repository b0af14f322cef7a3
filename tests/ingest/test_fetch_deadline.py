"""One deadline per fetch: a server that drips bytes, or asks for a long wait, is given up on."""

from __future__ import annotations

import socketserver
import threading
import time
from collections.abc import Iterator

import pytest

from app.core.settings import FetchSettings
from ingest.fetch.client import DeadlineExceeded, Fetcher, FetchFailed
from ingest.fetch.deadline import Deadline
from ingest.sources.remote import PAGE_TYPES
from tests.support.websrc import Site

TIMEOUT_S = 1.0
# Time the fetch may take past its deadline: one clipped socket wait and the closing.
SLACK_S = 1.0


def _fetcher(**kw: float) -> Fetcher:
    settings = FetchSettings(fetch_allowlist=["127.0.0.1"])
    return Fetcher(settings, timeout_s=TIMEOUT_S, host_delay_s=0, **kw)  # type: ignore[arg-type]


@pytest.mark.timeout(15)  # without a deadline the drip goes on for 20 s
def test_a_dripping_server_is_given_up_on_at_the_deadline(site: Site) -> None:
    # 45 bytes every 0.2 s for 20 s: no read ever waits long enough to time out on its own.
    site.drip_s, site.drip_count = 0.2, 100
    fetcher = _fetcher()
    started = time.monotonic()
    with pytest.raises(DeadlineExceeded, match=r"drip\.html was not fetched within 1s"):
        fetcher.fetch(f"{site.base}/drip.html", PAGE_TYPES)
    elapsed = time.monotonic() - started
    fetcher.close()
    assert elapsed < TIMEOUT_S + SLACK_S, f"the fetch took {elapsed:.1f}s"
    assert site.hits["/drip.html"] == 1  # a deadline is not retried


class _HeaderDrip(socketserver.StreamRequestHandler):
    """Answers robots.txt with 404; anything else with a header line every 0.1 s for 20 s."""

    def handle(self) -> None:
        request = self.rfile.readline()
        while self.rfile.readline() not in (b"\r\n", b""):
            pass
        if b"/robots.txt" in request:
            self.wfile.write(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")
            return
        try:
            self.wfile.write(b"HTTP/1.1 200 OK\r\n")
            for _ in range(200):
                time.sleep(0.1)  # the server's pace, not a test's wait
                self.wfile.write(b"X-Drip: still coming\r\n")
                self.wfile.flush()
        except OSError:
            pass  # the client gave up


@pytest.fixture
def header_drip() -> Iterator[str]:
    """The base URL of a server that never finishes its headers."""
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _HeaderDrip)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.mark.timeout(15)  # without a deadline the headers go on for 20 s
def test_headers_that_never_end_are_given_up_on_at_the_deadline(header_drip: str) -> None:
    fetcher = _fetcher()
    started = time.monotonic()
    with pytest.raises(DeadlineExceeded):
        fetcher.fetch(f"{header_drip}/page.html", PAGE_TYPES)
    fetcher.close()
    assert time.monotonic() - started < TIMEOUT_S + SLACK_S


@pytest.mark.timeout(15)  # without a deadline the fetch waits 60 s before each retry
def test_the_deadline_covers_retries_and_their_waits(site: Site) -> None:
    # The server asks for a 60 s pause before each retry; the fetch has 1 s.
    site.flaky_failures, site.flaky_retry_after = 10, "60"
    fetcher = _fetcher(retries=3)
    started = time.monotonic()
    with pytest.raises(FetchFailed):
        fetcher.fetch(f"{site.base}/flaky.html", PAGE_TYPES)
    fetcher.close()
    assert time.monotonic() - started < TIMEOUT_S + SLACK_S


def test_a_fast_server_is_unaffected_and_the_next_fetch_has_its_own_deadline(site: Site) -> None:
    site.drip_s, site.drip_count = 0.01, 3  # 30 ms of dripping: well within the deadline
    fetcher = _fetcher()
    for _ in range(2):
        got = fetcher.fetch(f"{site.base}/drip.html", PAGE_TYPES)
        assert got.content.count(b"forty-five bytes") == 3
    assert fetcher.fetch(f"{site.base}/article.html", PAGE_TYPES).status == 200
    fetcher.close()


def test_the_deadline_clips_each_wait_and_refuses_once_passed() -> None:
    deadline = Deadline()
    assert deadline.clip(5.0, TimeoutError) == 5.0  # outside a fetch: the operation's own
    with deadline.within(0.5):
        clipped = deadline.clip(5.0, TimeoutError)
        assert clipped is not None and 0 < clipped <= 0.5
        with deadline.within(0.0), pytest.raises(TimeoutError):
            deadline.clip(5.0, TimeoutError)
        assert not deadline.expired()  # the outer fetch's deadline is back
    assert deadline.at is None
