"""`cryptorag ask` and `cryptorag stats`: the knowledge base from the terminal."""

from __future__ import annotations

import asyncio
import json
from typing import Annotated

import typer

from app.cli import common
from app.cli.root import cli


@cli.command()
def ask(question: Annotated[str, typer.Argument(help="the question")]) -> None:
    """Answer one question in the terminal, with its sources."""
    from app.api.validation import check_question

    services = common.services()
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
    services = common.services()
    try:
        counts = services.store.counts()
    finally:
        services.close()
    counts.update(collection=services.store.collection, vector=services.store.vector_name)
    typer.echo(json.dumps(counts))
