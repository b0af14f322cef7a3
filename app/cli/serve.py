"""`cryptorag serve`: the HTTP API, and the one process that owns the embedded store."""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
from functools import partial
from pathlib import Path
from typing import Annotated, Any

import typer

from app.cli import common
from app.cli.root import cli
from app.core.settings import AccessSettings
from app.samples import CORPUS

log = logging.getLogger("cryptorag")


@cli.command()
def serve(
    host: Annotated[str | None, typer.Option(help="bind address")] = None,
    port: Annotated[int | None, typer.Option(help="port")] = None,
    seed_sample: Annotated[
        bool, typer.Option(help="ingest the bundled sample corpus when the knowledge base is empty")
    ] = False,
    sources: Annotated[
        Path | None,
        typer.Option(help="sources.yaml: run the worker's sources in this process"),
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option(
            help="server processes (default CRYPTORAG_WORKERS, 1); this one keeps the store"
        ),
    ] = None,
) -> None:
    """Serve the HTTP API; the CLI's ingest, ask and stats go through it while it runs."""
    import uvicorn

    from app import operations
    from app.api.app import create_app
    from app.cli import remote
    from app.core.settings import load_settings
    from app.services import build_services

    if (running := common.server()) is not None:
        typer.echo(f"error: a server already owns this data dir: {running.url}", err=True)
        raise typer.Exit(2)
    # Requests embed their questions side by side: one onnxruntime thread per call, not one
    # per core spinning, unless the operator chose (docs/benchmarks.md, "Cheap answers").
    os.environ.setdefault("CRYPTORAG_EMBEDDING_THREADS", "1")
    settings = load_settings()
    processes = workers or settings.api.workers
    if processes > 1 and settings.llm.provider == "local":
        # Each process would load its own copy of the model (and the owner one it never uses).
        typer.echo(
            "error: the local model serves from one process (it batches every reader itself): "
            "leave CRYPTORAG_WORKERS at 1, or serve the model with vLLM (README, Fine-tuning)",
            err=True,
        )
        raise typer.Exit(2)
    services = build_services(settings)
    worker: Any = None
    status = 0
    try:
        if seed_sample and services.store.counts()["chunks"] == 0:
            log.info("knowledge base is empty: ingesting the sample corpus %s", CORPUS)
            typer.echo(
                operations.pipeline(services).ingest_paths([CORPUS]).summary(),
                err=True,
            )
        services.store.start_indexing()
        if sources is not None:
            worker = _start_sources(services, sources)
        api = settings.api
        where = {
            "host": host or api.host,
            "port": api.port if port is None else port,
            "log_level": "info",
            **proxy_options(settings.access),
        }
        if processes == 1:
            app = create_app(settings, services)
            config = uvicorn.Config(app, **where)
            # Bound (and listening) here so that --port 0 announces the free port it got;
            # uvicorn logs "Uvicorn running on URL" with that port.
            sock = config.bind_socket()
            sock.listen(config.backlog)
            bound_port = int(sock.getsockname()[1])
            app.state.owner_token = remote.announce(settings.store, config.host, bound_port)
            # uvicorn re-raises SIGTERM after its graceful shutdown; exiting through Python
            # instead of the default handler lets the finally below remove server.json and
            # close the store.
            signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
            uvicorn.Server(config).run(sockets=[sock])
        else:
            status = _serve_workers(services, where, processes)
    finally:
        remote.withdraw(settings.store)
        if worker is not None:
            worker.stop()
        services.close()
    if status:
        typer.echo("error: a worker process could not start (its log is above)", err=True)
        raise typer.Exit(status)


def _serve_workers(services: Any, where: dict[str, Any], processes: int) -> int:
    """Serve with worker processes, a socket each; this process answers their store calls until
    a signal stops them all. The exit status."""
    import uvicorn

    from app.api.worker import OWNER_TOKEN_ENV, owner_shared
    from app.cli import remote
    from app.cli.workers import Workers, listening_sockets
    from app.kb.store.remote import StoreOwner

    config = uvicorn.Config("app.api.worker:worker_app", factory=True, **where)
    sockets = listening_sockets(config.host, config.port, processes, config.backlog)
    port = int(sockets[0].getsockname()[1])
    # The line uvicorn writes when it binds, which scripts and tests wait for.
    logging.getLogger("uvicorn.error").info(
        "Uvicorn running on http://%s:%d (Press CTRL+C to quit)", config.host, port
    )
    token = remote.announce(services.settings.store, config.host, port)
    owner = StoreOwner(services.store, services.ingest_lock, owner_shared(services))
    owner.start()
    # Spawned workers inherit the environment: where the owner is, and the CLI's token.
    os.environ.update({**owner.environment(), OWNER_TOKEN_ENV: token})
    log.info("%d worker processes; this process (%d) owns the store", processes, os.getpid())
    try:
        return Workers(config, sockets).run()
    finally:
        owner.close()
        for sock in sockets:
            sock.close()


def proxy_options(access: AccessSettings) -> dict[str, Any]:
    """uvicorn's forwarded-header options: trusted only from the proxies the operator names."""
    # uvicorn's default trusts them from 127.0.0.1 (or $FORWARDED_ALLOW_IPS): any local client
    # could then name a new address per request and get a fresh rate-limit bucket each time.
    if not access.trusted_proxies:
        return {"proxy_headers": False}
    return {"proxy_headers": True, "forwarded_allow_ips": list(access.trusted_proxies)}


class _Sources:
    """The worker's loop on a thread of this process, sharing the services and their store."""

    def __init__(self, services: Any, path: Path) -> None:
        from app import operations
        from ingest.sources.spec import load_sources
        from ingest.worker import Job, Worker

        self.runner = operations.runner(services)
        lock = services.ingest_lock

        def locked(spec: Any) -> Any:
            with lock:  # admin ingestion and the sources take turns
                return self.runner.run(spec)

        specs = load_sources(path)
        self.loop = Worker([Job(s.name, s.interval, partial(locked, s)) for s in specs])
        self.thread = threading.Thread(target=self._run, name="sources", daemon=True)

    def _run(self) -> None:
        def report(job: Any, r: Any) -> None:
            for where, reason in r.skipped:
                log.warning("%s: skipped %s: %s", job.name, where, reason)

        self.loop.run(on_report=report)

    def stop(self) -> None:
        """Stop after the current source run."""
        self.loop.stopping.set()
        self.thread.join(timeout=60)
        self.runner.fetcher.close()


def _start_sources(services: Any, path: Path) -> _Sources:
    sources = _Sources(services, path)
    sources.thread.start()
    log.info("running %d sources from %s in this process", len(sources.loop.jobs), path)
    return sources
