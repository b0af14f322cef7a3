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


@eval_cli.command("answers")
def eval_answers(
    corpus: Annotated[list[Path], typer.Option(help="corpus folder (repeatable)")],
    questions: Annotated[list[Path], typer.Option(help="questions JSONL with facts (repeatable)")],
    compare: Annotated[
        list[str] | None,
        typer.Option(
            help="NAME=CRYPTORAG_KEY=VALUE[,...] (repeatable): configurations run side by side; "
            "an empty VALUE gives a setting its default"
        ),
    ] = None,
    json_out: Annotated[bool, typer.Option("--json", help="print JSON instead of a table")] = False,
    failures: Annotated[
        bool, typer.Option("--failures", help="also print each answer that missed a target")
    ] = False,
) -> None:
    """Ask every question through the chat path; print facts coverage, unverified addresses,
    citation validity and latency per kind."""
    from app.eval.answers import configs_from_specs, format_table, run

    try:
        configs = configs_from_specs(compare or [])
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--compare") from None
    results, missed = run(configs, corpus, questions)
    if json_out:
        payload: dict[str, object] = {"results": results}
        if failures:
            payload["failures"] = missed
        typer.echo(json.dumps(payload, indent=1))
        return
    typer.echo(format_table(results))
    if failures:
        for name, rows in missed.items():
            for row in rows:
                typer.echo(f"\n[{name}] {row['kind']}: {row['q']}\n  missing: {row['missing']}")
                typer.echo("  " + str(row["answer"]).replace("\n", "\n  "))
