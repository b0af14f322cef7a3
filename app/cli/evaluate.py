"""`cryptorag eval`: measurements of the service."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from app.cli.root import cli

eval_cli = typer.Typer(help="Measure the service.", no_args_is_help=True)
cli.add_typer(eval_cli, name="eval")


@eval_cli.command("retrieval")
def eval_retrieval(
    corpus: Annotated[list[Path], typer.Option(help="corpus folder (repeatable)")],
    questions: Annotated[list[Path], typer.Option(help="questions JSONL (repeatable)")],
    json_out: Annotated[bool, typer.Option("--json", help="print JSON instead of a table")] = False,
) -> None:
    """Ingest into a temporary store; print hit@5, MRR@10, nDCG@10 and latency per kind."""
    from app.core.settings import load_settings
    from app.eval.retrieval import format_table, run

    results = run(load_settings(), corpus, questions)
    typer.echo(json.dumps(results, indent=1) if json_out else format_table(results))
