"""`cryptorag serve`: the HTTP API."""

from __future__ import annotations

import logging
from typing import Annotated

import typer

from app.cli import common
from app.cli.root import cli

log = logging.getLogger("cryptorag")


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

    services = common.services()
    try:
        if seed_sample and services.store.counts()["chunks"] == 0:
            log.info(
                "knowledge base is empty: ingesting the sample corpus %s", common.SAMPLE_CORPUS
            )
            typer.echo(
                common.pipeline(services).ingest_paths([common.SAMPLE_CORPUS]).summary(), err=True
            )
        api = services.settings.api
        uvicorn.run(
            create_app(services.settings, services),
            host=host or api.host,
            port=port or api.port,
            log_level="info",
        )
    finally:
        services.close()
