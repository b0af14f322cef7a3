"""The `cryptorag` command: ingest, serve, ask, stats."""

from __future__ import annotations

import asyncio
import json
import logging
import sys
from functools import partial
from pathlib import Path
from typing import Annotated

import typer

from app.core.errors import AppError
from app.core.logging import configure_logging

SAMPLE_CORPUS = Path(__file__).resolve().parents[1] / "samples" / "corpus"

cli = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="CryptoRAG: answers about crypto protocols, contracts and events.",
)
log = logging.getLogger("cryptorag")


def _services():  # type: ignore[no-untyped-def]
    from app.core.settings import load_settings
    from app.services import build_services

    return build_services(load_settings())


def _pipeline(services):  # type: ignore[no-untyped-def]
    from ingest.pipeline import Pipeline

    return Pipeline.from_services(services)


def _runner(services):  # type: ignore[no-untyped-def]
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
    return SourceRunner(_pipeline(services), fetcher, IngestState(services.engine))


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
    from ingest.sources.contracts import is_ref

    refs = [t for t in targets if is_ref(t)]
    urls = [t for t in targets if "://" in t and not is_ref(t)]
    paths = [Path(t) for t in targets if t not in refs and t not in urls]
    services = _services()
    try:
        pipeline = _pipeline(services)
        reports = []
        if paths:
            reports.append(pipeline.ingest_paths(paths, progress=progress and sys.stderr.isatty()))
        if refs:
            reports.append(pipeline.ingest_contracts(refs))
        if urls:
            runner = _runner(services)
            try:
                reports += [runner.ingest_url(u) for u in urls]
            finally:
                runner.fetcher.close()
    finally:
        services.close()
    for report in reports:
        for path, reason in report.skipped:
            typer.echo(f"skipped {path}: {reason}", err=True)
        typer.echo(report.summary())
    raise typer.Exit(1 if any(r.failed for r in reports) else 0)


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
    from ingest.metrics import IngestMetrics
    from ingest.pipeline import IngestReport
    from ingest.sources.spec import load_sources
    from ingest.worker import Job, Worker

    specs = load_sources(sources) if sources else []
    if not specs and not paths:
        typer.echo("error: give PATHS or --sources sources.yaml", err=True)
        raise typer.Exit(2)
    services = _services()
    runner = _runner(services)
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

        def report(job: Job, r: IngestReport) -> None:
            metrics.record(job.name, r)
            for where, reason in r.skipped:
                typer.echo(f"{job.name}: skipped {where}: {reason}", err=True)
            typer.echo(f"{job.name}: {r.summary()}", err=True)

        loop.run(
            on_report=report,
            on_error=lambda job, exc: metrics.crashed(job.name),
            max_rounds=1 if once else None,
        )
    finally:
        runner.fetcher.close()
        services.close()


@cli.command()
def serve(
    host: Annotated[str | None, typer.Option(help="bind address")] = None,
    port: Annotated[int | None, typer.Option(help="port")] = None,
    seed_sample: Annotated[
        bool, typer.Option(help="ingest the bundled sample corpus when the knowledge base is empty")
    ] = False,
) -> None:
    """Serve the HTTP API."""
    import uvicorn

    from app.api.app import create_app

    services = _services()
    try:
        if seed_sample and services.store.counts()["chunks"] == 0:
            log.info("knowledge base is empty: ingesting the sample corpus %s", SAMPLE_CORPUS)
            typer.echo(_pipeline(services).ingest_paths([SAMPLE_CORPUS]).summary(), err=True)
        api = services.settings.api
        uvicorn.run(
            create_app(services.settings, services),
            host=host or api.host,
            port=port or api.port,
            log_level="info",
        )
    finally:
        services.close()


@cli.command()
def ask(question: Annotated[str, typer.Argument(help="the question")]) -> None:
    """Answer one question in the terminal, with its sources."""
    from app.api.validation import check_question

    services = _services()
    try:
        text = check_question(question, services.settings.api.max_question_chars, "question")
        result = asyncio.run(services.answers.answer(text))
    finally:
        services.close()
    typer.echo(result.answer)
    for warning in result.warnings:
        typer.echo(f"warning: {warning}", err=True)
    typer.echo("\nSources:")
    for s in result.sources:
        typer.echo(f"  [{s.index}] {s.title} ({s.url or s.source}) score={s.score:.3f}")


@cli.command()
def stats() -> None:
    """Print counts of the knowledge base as JSON."""
    services = _services()
    try:
        counts = services.store.counts()
    finally:
        services.close()
    counts.update(collection=services.store.collection, vector=services.store.vector_name)
    typer.echo(json.dumps(counts))


keys_cli = typer.Typer(help="Manage API keys (stored hashed).", no_args_is_help=True)
cli.add_typer(keys_cli, name="keys")


def _keys():  # type: ignore[no-untyped-def]
    from app.access.keys import KeyStore
    from app.core.db import build_engine
    from app.core.settings import load_settings

    return KeyStore(build_engine(load_settings()))


@keys_cli.command("create")
def keys_create(
    name: Annotated[str, typer.Argument(help="who or what the key is for")],
    scope: Annotated[list[str], typer.Option(help="chat, search, contracts or admin (repeatable)")],
) -> None:
    """Create a key; its secret is printed once and stored only as a hash."""
    try:
        key, secret = _keys().create(name, scope)
    except ValueError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    typer.echo(
        json.dumps(
            {"key_id": key.key_id, "name": key.name, "scopes": sorted(key.scopes), "secret": secret}
        )
    )


@keys_cli.command("list")
def keys_list() -> None:
    """List keys (ids, names, scopes; never secrets)."""
    for key in _keys().list():
        state = "revoked" if key.revoked else "active"
        typer.echo(f"{key.key_id}  {state:<7}  {','.join(sorted(key.scopes)):<28} {key.name}")


@keys_cli.command("revoke")
def keys_revoke(key_id: Annotated[str, typer.Argument(help="the key's id")]) -> None:
    """Revoke a key at once."""
    if not _keys().revoke(key_id):
        typer.echo(f"error: no key {key_id!r}", err=True)
        raise typer.Exit(2)
    typer.echo(f"revoked {key_id}")


eval_cli = typer.Typer(help="Measure the service.", no_args_is_help=True)
cli.add_typer(eval_cli, name="eval")


@eval_cli.command("retrieval")
def eval_retrieval(
    corpus: Annotated[list[Path], typer.Option(help="corpus folder (repeatable)")],
    questions: Annotated[list[Path], typer.Option(help="questions JSONL (repeatable)")],
    json_out: Annotated[bool, typer.Option("--json", help="print JSON instead of a table")] = False,
) -> None:
    """Ingest into a temporary store; print hit@5, MRR@10, nDCG@10 and latency per kind."""
    from app.core.settings import load_settings
    from app.eval.retrieval import format_table, run

    results = run(load_settings(), corpus, questions)
    typer.echo(json.dumps(results, indent=1) if json_out else format_table(results))


def main() -> None:
    """Entry point: configuration and store errors become one clear line and exit status 2."""
    configure_logging()
    try:
        cli()
    except AppError as exc:
        typer.echo(f"error: {exc.message}", err=True)
        sys.exit(2)


if __name__ == "__main__":
    main()
