"""Shared helpers of the command groups: the services, the pipeline and the source runner."""

from __future__ import annotations

from pathlib import Path

SAMPLE_CORPUS = Path(__file__).resolve().parents[2] / "samples" / "corpus"


def services():  # type: ignore[no-untyped-def]
    from app.core.settings import load_settings
    from app.services import build_services

    return build_services(load_settings())


def pipeline(services):  # type: ignore[no-untyped-def]
    from ingest.pipeline import Pipeline

    return Pipeline.from_services(services)


def runner(services):  # type: ignore[no-untyped-def]
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
    return SourceRunner(pipeline(services), fetcher, IngestState(services.engine))
