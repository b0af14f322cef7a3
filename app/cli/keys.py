"""`cryptorag keys`: API keys, stored hashed."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from app.cli.root import cli

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
