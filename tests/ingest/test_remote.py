"""Feeds, pages and PDFs fetched from a real HTTP server on loopback, into the real store."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from app.core.settings import FetchSettings
from app.services import Services
from ingest.fetch.client import Fetcher
from ingest.pipeline import Pipeline
from ingest.runner import SourceRunner
from ingest.sources.spec import SourceSpec
from ingest.state import IngestState
from tests.support.websrc import Site

pytestmark = pytest.mark.integration


def _runner(services: Services, allow: list[str] | None = None, **kw: object) -> SourceRunner:
    settings = FetchSettings(fetch_allowlist=["127.0.0.1"] if allow is None else allow)
    fetcher = Fetcher(settings, host_delay_s=0, **kw)  # type: ignore[arg-type]
    return SourceRunner(Pipeline.from_services(services), fetcher, IngestState(services.engine))


def _docs(services: Services) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for c in services.store.all_chunks():
        out.setdefault(c.source, []).append(c.text)
    return out


def test_feed_items_with_dates_tags_and_conditional_refetch(
    services_factory: Callable[..., Services], site: Site
) -> None:
    services = services_factory()
    runner = _runner(services)
    spec = SourceSpec(name="news", kind="rss", url=f"{site.base}/feed.xml", tags=["daily"])
    report = runner.run(spec)
    assert (report.fetched, report.written, report.skipped) == (1, 3, [])
    chunks = {c.source: c for c in services.store.all_chunks()}
    bridge = chunks[f"{site.base}/news/bridge"]
    assert bridge.type == "news" and bridge.published_at == "2026-10-05T10:00:00Z"
    assert bridge.metadata["tags"] == ["daily", "security"]
    assert bridge.metadata["feed"] == "Chain News"
    # Unchanged: the server answers 304 to the ETag and nothing is written.
    again = runner.run(spec)
    assert (again.fetched, again.written, again.unchanged) == (0, 0, 3)
    assert site.conditional_hits == 1
    # A new item: only it is written; items that rolled off a feed stay (news is kept).
    site.items = [("Oracle upgrade ships", "/news/oracle", "Thu, 08 Oct 2026 09:00:00 GMT")]
    third = runner.run(spec)
    assert (third.written, third.unchanged) == (1, 0)
    assert len(_docs(services)) == 4
    # News date filters apply to what came from the feed.
    hits = services.retriever.retrieve(
        "exploit withdrawals", 5, {"published_after": "2026-10-07T00:00:00Z"}
    ).hits
    assert {h.chunk.source for h in hits} <= {
        f"{site.base}/news/depeg",
        f"{site.base}/news/oracle",
    }


def test_page_main_text_pdf_and_gone(services_factory: Callable[..., Services], site: Site) -> None:
    services = services_factory()
    runner = _runner(services)
    page = runner.ingest_url(f"{site.base}/article.html")
    assert page.written == 1 and not page.skipped
    (text,) = _docs(services)[f"{site.base}/article.html"]
    assert "reentrancy bug" in text
    for marker in ("SCRIPT-MARKER", "STYLE-MARKER", "NAV-MARKER"):
        assert marker not in text
    (chunk,) = services.store.by_addresses(["0xDC24316b9AE028F1497c275EB9192a3Ea0f67022"], 5)
    assert chunk.title == "Curve pool exploit post-mortem" and chunk.type == "blog"
    assert chunk.published_at is not None and chunk.published_at.startswith("2026-10-02")
    pdf = runner.ingest_url(f"{site.base}/doc.pdf")
    assert pdf.written == 1, pdf.skipped
    chunks = [c for c in services.store.all_chunks() if c.source == f"{site.base}/doc.pdf"]
    assert chunks[0].title == "Staking withdrawals explained"
    assert "Shapella upgrade" in chunks[0].text
    # The page disappears (410): its document leaves the knowledge base.
    site.gone.add("/article.html")
    spec = SourceSpec(name="article", kind="web", url=f"{site.base}/article.html")
    runner.state.save_source(
        spec.url or "", None, None, None, {f"web:{site.base}/article.html": "x"}
    )
    gone = runner.run(spec)
    assert gone.deleted == 1 and "410" in gone.skipped[0][1]
    assert f"{site.base}/article.html" not in _docs(services)


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        ("/bomb.xml", "EntitiesForbidden"),
        ("/xxe.xml", "EntitiesForbidden"),
        ("/big.html", "larger than 65536 bytes (300007 declared)"),
        ("/stream-big.html", "larger than 65536 bytes"),
        ("/binary", "content type application/octet-stream"),
        ("/to-private", "127.0.0.2, a loopback address"),
        ("/to-metadata", "169.254.169.254, a link-local address"),
        ("/private/page.html", "robots.txt"),
        ("/nowhere", "answered 404"),
    ],
)
def test_hostile_or_broken_sources_are_reported_and_the_run_goes_on(
    services_factory: Callable[..., Services], site: Site, path: str, reason: str
) -> None:
    services = services_factory()
    runner = _runner(services, max_bytes=64 * 1024)
    bad = runner.ingest_url(site.base + path)
    assert bad.written == 0 and reason in bad.skipped[0][1]
    assert runner.state.source(site.base + path).error  # type: ignore[union-attr]
    good = runner.ingest_url(f"{site.base}/feed.xml")
    assert good.written == 3


def test_loopback_is_refused_without_the_allowlist(
    services_factory: Callable[..., Services], site: Site
) -> None:
    services = services_factory()
    report = _runner(services, allow=[]).ingest_url(f"{site.base}/feed.xml")
    assert "refused" in report.skipped[0][1] and "CRYPTORAG_FETCH_ALLOWLIST" in report.skipped[0][1]
    assert site.hits == {}


def test_unreachable_robots_txt_means_disallow(
    services_factory: Callable[..., Services], site: Site
) -> None:
    site.robots_down = True
    report = _runner(services_factory(), retries=0).ingest_url(f"{site.base}/article.html")
    assert report.written == 0 and "robots.txt" in report.skipped[0][1]
    assert "/article.html" not in site.hits


def test_transient_errors_are_retried(
    services_factory: Callable[..., Services], site: Site
) -> None:
    services = services_factory()
    report = _runner(services).ingest_url(f"{site.base}/flaky.html")
    assert report.written == 1 and site.hits["/flaky.html"] == 2
