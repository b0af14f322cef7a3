"""`cryptorag ask` and `cryptorag stats`: the knowledge base from the terminal."""

from __future__ import annotations

import asyncio
import json
from dataclasses import asdict
from typing import Annotated, Any

import typer

from app.cli import common
from app.cli.root import cli
from app.core.said import unsaid
from app.i18n.catalog import _, speaking
from app.i18n.language import detect


@cli.command()
def ask(question: Annotated[str, typer.Argument(help="the question")]) -> None:
    """Answer one question in the terminal, with its sources."""
    from app.api.validation import check_question

    if (server := common.server()) is not None:
        _print_answer(common.ask_remote(server, question), question)
        return
    services = common.services()
    try:
        text = check_question(question, services.settings.api.max_question_chars, "question")
        result = asyncio.run(services.answers.answer(text))
    finally:
        services.close()
    _print_answer(
        {
            "answer": result.answer,
            "warnings": result.warnings,
            "sources": map(asdict, result.sources),
        },
        question,
    )


@cli.command()
def stats() -> None:
    """Print counts of the knowledge base as JSON."""
    if (server := common.server()) is not None:
        typer.echo(json.dumps(common.stats_remote(server)))
        return
    from app.operations import store_stats

    services = common.services()
    try:
        typer.echo(json.dumps(store_stats(services)))
    finally:
        services.close()


def _print_answer(result: dict[str, Any], question: str) -> None:
    """The answer, the warnings it does not already say (on stderr), and its sources; the
    headings in the question's language, like the answer."""
    with speaking(detect(question)):
        warned, sources = _("warning: {warning}"), _("Sources:")
    typer.echo(result["answer"])
    for warning in unsaid(result["warnings"], result["answer"]):
        typer.echo(warned.format(warning=warning), err=True)
    typer.echo(f"\n{sources}")
    for s in result["sources"]:
        where = s["url"] or s["source"]
        trust = s.get("trust", "fetched")  # a server from before trust levels
        typer.echo(f"  [{s['index']}] {s['title']} ({where}) score={s['score']:.3f} trust={trust}")
