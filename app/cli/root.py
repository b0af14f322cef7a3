"""The root `cryptorag` Typer application that each command group registers on."""

from __future__ import annotations

import typer

cli = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="CryptoRAG: answers about crypto protocols, contracts and events.",
)
