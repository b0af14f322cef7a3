"""`cryptorag bot`: the Telegram and Discord front ends, each a process of its own."""

from __future__ import annotations

from typing import Annotated

import typer
from pydantic import SecretStr

from app.cli.root import cli

bot_cli = typer.Typer(
    help="Chat bots that answer from the service over HTTP (CRYPTORAG_BOT_SERVICE_URL).",
    no_args_is_help=True,
)
cli.add_typer(bot_cli, name="bot")


def _settings():  # type: ignore[no-untyped-def]
    from app.core.settings import BotSettings, load_concern

    return load_concern(BotSettings)


def _require(token: SecretStr | None, variable: str) -> None:
    if token is None or not token.get_secret_value().strip():
        typer.echo(f"error: {variable} is not set; the bot needs its token", err=True)
        raise typer.Exit(2)


@bot_cli.command("telegram")
def telegram(
    webhook_url: Annotated[
        str | None,
        typer.Option(help="public HTTPS URL Telegram posts updates to; unset: long polling"),
    ] = None,
    listen: Annotated[str, typer.Option(help="webhook mode: bind address")] = "0.0.0.0",
    port: Annotated[int, typer.Option(help="webhook mode: port")] = 8443,
) -> None:
    """The Telegram bot (CRYPTORAG_TELEGRAM_TOKEN)."""
    from app.bots.telegram_bot import run
    from app.core.settings import StoreSettings

    settings = _settings()
    _require(settings.telegram_token, "CRYPTORAG_TELEGRAM_TOKEN")
    # The chat -> session mapping and the answers awaiting a rating live under the data dir.
    run(settings, StoreSettings().data_dir / "bots", webhook_url, listen, port)


@bot_cli.command("discord")
def discord() -> None:
    """The Discord bot (CRYPTORAG_DISCORD_TOKEN)."""
    from app.bots.discord_bot import run

    settings = _settings()
    _require(settings.discord_token, "CRYPTORAG_DISCORD_TOKEN")
    run(settings)
