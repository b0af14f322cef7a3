"""What the CLI and the API both do with the services: ingest targets, the source runner and
the store's figures. Entry points (app.cli, app.api) call these; nothing here imports them."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.services import Services

if TYPE_CHECKING:
    from ingest.pipeline import IngestReport, Pipeline
    from ingest.runner import SourceRunner


def pipeline(services: Services) -> Pipeline:
    """The ingestion pipeline over the services' store and model."""
    from ingest.pipeline import Pipeline

    return Pipeline.from_services(services)


def runner(services: Services) -> SourceRunner:
    """The runner of URL and feed sources, with the fetch settings' limits."""
    from ingest.fetch.client import Fetcher
    from ingest.runner import SourceRunner
    from ingest.state import IngestState

    f = services.settings.fetch
    fetcher = Fetcher(
        f,
        timeout_s=f.fetch_timeout_s,
        max_bytes=f.fetch_max_bytes,
        host_delay_s=f.fetch_host_delay_s,
        retries=f.fetch_retries,
    )
    return SourceRunner(
        pipeline(services),
        fetcher,
        IngestState(services.engine),
        feed_max_items=services.settings.ingest.feed_max_items,
    )


def ingest_targets(
    services: Services, targets: Sequence[str], progress: bool = False
) -> list[IngestReport]:
    """Ingest files, folders, URLs and chain:address refs; one report per kind of target. Holds
    the services' ingest lock, so admin ingestion and the source loop take turns."""
    from ingest.sources.contracts import is_ref

    refs = [t for t in targets if is_ref(t)]
    urls = [t for t in targets if "://" in t and not is_ref(t)]
    paths = [Path(t) for t in targets if t not in refs and t not in urls]
    reports: list[IngestReport] = []
    with services.ingest_lock:
        pipeline_ = pipeline(services)
        if paths:
            reports.append(pipeline_.ingest_paths(paths, progress=progress))
        if refs:
            reports.append(pipeline_.ingest_contracts(refs))
        if urls:
            runner_ = runner(services)
            try:
                reports += [runner_.ingest_url(u) for u in urls]
            finally:
                runner_.fetcher.close()
    return reports


def store_stats(services: Services) -> dict[str, Any]:
    """What `cryptorag stats` prints and `/admin/stats` returns."""
    out: dict[str, Any] = dict(services.store.counts())
    out.update(collection=services.store.collection, vector=services.store.vector_name)
    out.update(services.store.stats())
    return out
