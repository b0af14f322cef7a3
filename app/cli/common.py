"""Shared helpers of the command groups: the services and the server that owns the store (the
operations they share with the API are in app.operations)."""

from __future__ import annotations

from pathlib import Path


def services():  # type: ignore[no-untyped-def]
    from app.core.settings import load_settings
    from app.services import build_services

    return build_services(load_settings())


def server():  # type: ignore[no-untyped-def]
    """The running server that owns this data dir's embedded store, or None."""
    from app.cli.remote import find
    from app.core.settings import load_settings

    return find(load_settings().store)


def ingest_remote(server, targets: list[str]) -> int:  # type: ignore[no-untyped-def]
    """Ingest through the owning server, print its reports; the exit status."""
    import typer

    from app.cli.remote import AdminClient

    # The server resolves paths against its own folder; this one's may differ.
    absolute = [str(Path(t).resolve()) if Path(t).exists() else t for t in targets]
    typer.echo(f"ingesting through the server at {server.url} (it owns the store)", err=True)
    client = AdminClient(server)
    try:
        reports = client.ingest(absolute)
    finally:
        client.close()
    for report in reports:
        for where, reason in report["skipped"]:
            typer.echo(f"skipped {where}: {reason}", err=True)
        for where, reason in report.get("warnings", []):
            typer.echo(f"warning {where}: {reason}", err=True)
        typer.echo(report["summary"])
    warned = any(r.get("warnings") for r in reports)
    return ingest_status(any(r["failed"] for r in reports), warned)


def ingest_status(failed: bool, warned: bool) -> int:
    """The exit status of an ingest: 1 when something was skipped, 3 when everything was stored
    but a document had a field read at a loss, else 0."""
    return 1 if failed else 3 if warned else 0


def ask_remote(server, question: str):  # type: ignore[no-untyped-def]
    """One answer from the owning server."""
    from app.cli.remote import AdminClient

    client = AdminClient(server)
    try:
        return client.ask(question)
    finally:
        client.close()


def stats_remote(server):  # type: ignore[no-untyped-def]
    """Counts from the owning server."""
    from app.cli.remote import AdminClient

    client = AdminClient(server)
    try:
        return client.stats()
    finally:
        client.close()
