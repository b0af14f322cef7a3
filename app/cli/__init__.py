"""The `cryptorag` command; each command group lives in a module of its own."""

from __future__ import annotations

import sys

import typer

from app.cli import (  # noqa: F401  (they register)
    bot,
    dataset,
    evaluate,
    finetune,
    ingest,
    keys,
    preference,
    query,
    serve,
    store,
)
from app.cli.root import cli
from app.core.errors import AppError
from app.core.logging import configure_logging
from app.core.nesting import pin_recursion_limit

__all__ = ["cli", "main"]


def main() -> None:
    """Entry point: configuration and store errors become one clear line and exit status 2."""
    configure_logging()
    pin_recursion_limit()
    try:
        cli()
    except AppError as exc:
        typer.echo(f"error: {exc.message}", err=True)
        sys.exit(2)


if __name__ == "__main__":
    main()
