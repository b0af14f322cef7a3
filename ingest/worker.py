"""The ingest worker: runs each job on its own interval until SIGTERM or SIGINT."""

from __future__ import annotations

import logging
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from ingest.pipeline import IngestReport

log = logging.getLogger(__name__)


@dataclass
class Job:
    """A named piece of work and how often to repeat it."""

    name: str
    interval_s: float
    run: Callable[[], IngestReport]


class Worker:
    """Runs due jobs one at a time; a stop request ends it between jobs."""

    def __init__(self, jobs: list[Job]) -> None:
        self.jobs = jobs
        self.stopping = threading.Event()

    def install_signal_handlers(self) -> None:
        """SIGTERM (docker stop) and SIGINT end the loop after the current job."""
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: self.stopping.set())

    def run(
        self,
        on_report: Callable[[Job, IngestReport], None] | None = None,
        on_error: Callable[[Job, Exception], None] | None = None,
        max_rounds: int | None = None,
    ) -> int:
        """Loop until stopped (or every job ran max_rounds times); return the jobs run."""
        due = {job.name: 0.0 for job in self.jobs}
        rounds = {job.name: 0 for job in self.jobs}
        ran = 0
        while not self.stopping.is_set():
            now = time.monotonic()
            for job in self.jobs:
                if self.stopping.is_set():
                    break
                if due[job.name] > now or (max_rounds and rounds[job.name] >= max_rounds):
                    continue
                try:
                    report = job.run()
                    log.info("%s: %s", job.name, report.summary())
                    if on_report:
                        on_report(job, report)
                except Exception as exc:  # one broken source must not stop the others
                    log.exception("%s: run failed", job.name)
                    if on_error:
                        on_error(job, exc)
                ran += 1
                rounds[job.name] += 1
                due[job.name] = time.monotonic() + job.interval_s
            if max_rounds and all(n >= max_rounds for n in rounds.values()):
                break
            self.stopping.wait(max(min(due.values()) - time.monotonic(), 0.05))
        log.info("worker stopped after %d source runs", ran)
        return ran
