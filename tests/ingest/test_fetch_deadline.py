"""One deadline per fetch: a server that drips bytes, or asks for a long wait, is given up on."""

from __future__ import annotations

import time

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
