"""Prometheus metrics of the ingest worker, in a registry of their own."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, start_http_server

from ingest.pipeline import IngestReport


class IngestMetrics:
    """Counters per source, fed from each run's report."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        labels = ["source"]
        self.documents = Counter(
            "cryptorag_ingest_documents",
            "Documents seen, by outcome",
            [*labels, "outcome"],
            registry=self.registry,
        )
        self.fetched = Counter(
            "cryptorag_ingest_fetches",
            "Remote fetches that returned content",
            labels,
            registry=self.registry,
        )
        self.chunks = Counter(
            "cryptorag_ingest_chunks_written",
            "Chunks written to the store",
            labels,
            registry=self.registry,
        )
        self.runs = Counter(
            "cryptorag_ingest_runs",
            "Source runs, by outcome",
            [*labels, "outcome"],
            registry=self.registry,
        )
        self.seconds = Histogram(
            "cryptorag_ingest_run_seconds",
            "Duration of one source run",
            labels,
            registry=self.registry,
        )
        self.last_success = Gauge(
            "cryptorag_ingest_last_success_timestamp_seconds",
            "When a source last ran without failures",
            labels,
            registry=self.registry,
        )

    def record(self, source: str, report: IngestReport) -> None:
        """Add one run's counts."""
        for outcome, value in (
            ("written", report.written),
            ("unchanged", report.unchanged),
            ("deleted", report.deleted),
            ("failed", len(report.skipped)),
        ):
            self.documents.labels(source, outcome).inc(value)
        self.fetched.labels(source).inc(report.fetched)
        self.chunks.labels(source).inc(report.chunks)
        self.seconds.labels(source).observe(report.seconds)
        self.runs.labels(source, "failed" if report.failed else "ok").inc()
        if not report.failed:
            self.last_success.labels(source).set_to_current_time()

    def crashed(self, source: str) -> None:
        """A run that raised."""
        self.runs.labels(source, "error").inc()

    def serve(self, port: int, host: str = "0.0.0.0") -> None:
        """Expose /metrics on a port, in a background thread."""
        start_http_server(port, addr=host, registry=self.registry)
