"""`cryptorag store`: the embedded store's upkeep."""

from __future__ import annotations

import typer

from app.cli.root import cli

store_cli = typer.Typer(help="Upkeep of the embedded vector store.", no_args_is_help=True)
cli.add_typer(store_cli, name="store")


@store_cli.command("migrate")
def migrate() -> None:
    """Copy a qdrant-client local-mode store (data/qdrant) into the embedded Qdrant Edge store."""
    from app.core.settings import load_settings
    from app.kb.store.migrate import migrate as copy_points

    settings = load_settings().store
    if settings.qdrant_url is not None:
        typer.echo("CRYPTORAG_QDRANT_URL is set: a Qdrant server needs no migration.", err=True)
        raise typer.Exit(2)
    copied = copy_points(settings, lambda n: typer.echo(f"copied {n} points", err=True))
    typer.echo(
        f"copied {copied} points into {settings.edge_path}; "
        f"{settings.local_path} is no longer read and may be removed."
    )
