"""`cryptorag ingest` and `cryptorag worker`: getting documents into the knowledge base."""

from __future__ import annotations

import sys
from functools import partial
from pathlib import Path
from typing import Annotated

import typer

from app.cli import common
from app.cli.root import cli


@cli.command()
def ingest(
    targets: Annotated[
        list[str],
        typer.Argument(
            help="files, folders, feed or page URLs, or chain:0x-address entries (contract cards)"
        ),
    ],
    progress: Annotated[bool, typer.Option(help="show a progress bar")] = True,
) -> None:
    """Ingest files, folders, URLs and contracts; idempotent, removes what left a folder."""
    if (server := common.server()) is not None:  # it owns the store: ingest through it
        raise typer.Exit(common.ingest_remote(server, targets))
    from app.operations import ingest_targets

    services = common.services()
    try:
        reports = ingest_targets(services, targets, progress=progress and sys.stderr.isatty())
    finally:
        services.close()
    for report in reports:
        for path, reason in report.skipped:
            typer.echo(f"skipped {path}: {reason}", err=True)
        for path, reason in report.warnings:
            typer.echo(f"warning {path}: {reason}", err=True)
        typer.echo(report.summary())
    raise typer.Exit(
        common.ingest_status(any(r.failed for r in reports), any(r.warnings for r in reports))
    )


@cli.command()
def worker(
    paths: Annotated[
        list[str] | None, typer.Argument(help="files and folders to keep ingested")
    ] = None,
    sources: Annotated[
        Path | None, typer.Option(help="sources.yaml: feeds, pages, folders, lists")
    ] = None,
    interval: Annotated[
        float, typer.Option(help="seconds between runs of the PATHS", min=1)
    ] = 300.0,
    metrics_port: Annotated[
        int, typer.Option(help="port of the Prometheus /metrics endpoint; 0 turns it off")
    ] = 9108,
    once: Annotated[bool, typer.Option(help="run every source once, then exit")] = False,
) -> None:
    """Keep sources ingested, each on its interval, in the foreground, until SIGTERM."""
    from app import operations
    from ingest.metrics import IngestMetrics
    from ingest.pipeline import IngestReport
    from ingest.sources.spec import load_sources
    from ingest.worker import Job, Worker

    specs = load_sources(sources) if sources else []
    if not specs and not paths:
        typer.echo("error: give PATHS or --sources sources.yaml", err=True)
        raise typer.Exit(2)
    services = common.services()
    runner = operations.runner(services)
    try:
        jobs = [Job(s.name, s.interval, partial(runner.run, s)) for s in specs]
        if paths:
            folders = [Path(p) for p in paths]
            jobs.append(Job("paths", interval, lambda: runner.pipeline.ingest_paths(folders)))
        metrics = IngestMetrics()
        if metrics_port:
            metrics.serve(metrics_port)
        loop = Worker(jobs)
        loop.install_signal_handlers()
        failed: list[str] = []  # sources with a skipped input or a crashed run

        def report(job: Job, r: IngestReport) -> None:
            metrics.record(job.name, r)
            for where, reason in r.skipped:
                typer.echo(f"{job.name}: skipped {where}: {reason}", err=True)
            for where, reason in r.warnings:
                typer.echo(f"{job.name}: warning {where}: {reason}", err=True)
            typer.echo(f"{job.name}: {r.summary()}", err=True)
            if r.failed:
                failed.append(job.name)

        def crashed(job: Job, exc: Exception) -> None:
            metrics.crashed(job.name)  # the worker has logged the exception
            failed.append(job.name)

        loop.run(on_report=report, on_error=crashed, max_rounds=1 if once else None)
    finally:
        runner.fetcher.close()
        services.close()
    # One pass is judged like `cryptorag ingest`: anything skipped or failed exits 1. A
    # long-running worker stopped by a signal exits 0; its failures are in the metrics.
    if once and failed:
        typer.echo(f"failed sources: {', '.join(sorted(set(failed)))}", err=True)
        raise typer.Exit(1)
