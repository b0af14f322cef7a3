"""The ingest worker: re-ingests its paths on an interval until SIGTERM or SIGINT."""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable
from pathlib import Path

from ingest.pipeline import IngestReport, Pipeline

log = logging.getLogger(__name__)


class Worker:
    """Runs the pipeline over the same paths every interval; a stop request ends it between runs."""

    def __init__(self, pipeline: Pipeline, paths: list[Path], interval_s: float) -> None:
        self.pipeline = pipeline
        self.paths = paths
        self.interval_s = interval_s
        self.stopping = threading.Event()

    def install_signal_handlers(self) -> None:
        """SIGTERM (docker stop) and SIGINT end the loop after the current run."""
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: self.stopping.set())

    def run(
        self, on_report: Callable[[IngestReport], None] | None = None, max_runs: int | None = None
    ) -> int:
        """Loop until stopped (or max_runs); return how many runs completed."""
        runs = 0
        while not self.stopping.is_set():
            report = self.pipeline.ingest_paths(self.paths)
            runs += 1
            log.info(report.summary())
            if on_report:
                on_report(report)
            if max_runs is not None and runs >= max_runs:
                break
            self.stopping.wait(self.interval_s)
        log.info("worker stopped after %d runs", runs)
        return runs
