"""`cryptorag dataset`: instruction datasets from the knowledge base, for fine-tuning."""

from __future__ import annotations

import asyncio
import json
import logging
import shlex
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from app.cli import common
from app.cli.root import cli

if TYPE_CHECKING:
    from app.services import Services
    from finetune.build import BuildConfig, BuildResult
    from finetune.generators import Options

dataset_cli = typer.Typer(
    help="Build instruction datasets from the knowledge base.", no_args_is_help=True
)
cli.add_typer(dataset_cli, name="dataset")


@dataset_cli.command("build")
def build(
    out: Annotated[Path, typer.Option(help="the dataset folder to write (a rerun resumes it)")],
    generator: Annotated[
        list[str] | None,
        typer.Option(
            "--generator",
            "-g",
            help="NAME or NAME=COUNT (repeatable): templates, llm, rag, feedback, self-instruct",
        ),
    ] = None,
    fmt: Annotated[
        list[str] | None,
        typer.Option("--format", "-f", help="alpaca, sharegpt, openai, preference (repeatable)"),
    ] = None,
    exclude_questions: Annotated[
        list[Path] | None,
        typer.Option(help="evaluation questions (JSONL, JSON or text) kept out (repeatable)"),
    ] = None,
    seed: Annotated[int, typer.Option(help="makes sampling and the split reproducible")] = 0,
    validation: Annotated[
        float, typer.Option(min=0.0, max=0.9, help="share of documents held out")
    ] = 0.1,
    batch_size: Annotated[int, typer.Option(min=1, max=64, help="chunks per LLM call")] = 4,
    per_chunk: Annotated[int, typer.Option(min=1, max=10, help="instructions per chunk")] = 1,
    answer: Annotated[
        str, typer.Option(help="llm answers: 'model' writes them, 'chunk' uses the chunk")
    ] = "model",
    concurrency: Annotated[int, typer.Option(min=1, max=64, help="LLM calls at once")] = 4,
    retries: Annotated[int, typer.Option(min=1, max=10, help="attempts per LLM call")] = 3,
    max_tokens: Annotated[int, typer.Option(min=64, help="completion cap per LLM call")] = 2000,
    unanswerable: Annotated[
        float, typer.Option(min=0.0, max=1.0, help="share of rag records without the answer")
    ] = 0.2,
    rounds: Annotated[int, typer.Option(min=1, help="self-instruct rounds at most")] = 50,
    progress: Annotated[bool, typer.Option(help="show progress bars")] = True,
) -> None:
    """Generate records, drop duplicates, invented addresses and evaluation questions, split by
    document and write the formats with dataset_info.json and a card."""
    from app.core.settings import load_settings
    from finetune.build import BuildConfig, parse_generator
    from finetune.formats import FORMATS
    from finetune.generators import GENERATORS, Options

    try:
        gens = [parse_generator(g) for g in generator or ["templates"]]
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--generator") from None
    formats = fmt or ["alpaca"]
    for name in formats:
        if name not in FORMATS:
            raise typer.BadParameter(
                f"unknown format {name!r}; one of {', '.join(FORMATS)}", param_hint="--format"
            )
    if answer not in ("model", "chunk"):
        raise typer.BadParameter("'model' or 'chunk'", param_hint="--answer")
    for path in exclude_questions or []:
        if not path.is_file():
            raise typer.BadParameter(f"{path}: no such file", param_hint="--exclude-questions")
    config = BuildConfig(
        out=out,
        generators=gens,
        formats=formats,
        exclude_questions=list(exclude_questions or []),
        validation=validation,
        command=_command(),
    )
    options = Options(
        seed=seed,
        batch_size=batch_size,
        per_chunk=per_chunk,
        answer=answer,
        unanswerable=unanswerable,
        rounds=rounds,
        progress=progress and sys.stderr.isatty(),
    )
    needs_llm = [n for n, _ in gens if GENERATORS[n].needs_llm]
    if needs_llm and not load_settings().llm.enabled:
        raise typer.BadParameter(
            f"{', '.join(needs_llm)} need a language model: set CRYPTORAG_LLM_BASE_URL "
            "(and CRYPTORAG_LLM_MODEL)",
            param_hint="--generator",
        )
    # One line per LLM request and per failed on-chain lookup (a rag record each) would bury
    # the progress bars; the card counts what matters.
    for name in ("httpx", "httpx2", "app.rag.onchain"):
        logging.getLogger(name).setLevel(max(logging.WARNING, logging.getLogger().level))
    services = common.services()
    try:
        result = asyncio.run(_build(services, config, options, concurrency, retries, max_tokens))
    finally:
        services.close()
    s = result.stats
    splits = {
        k: sum(c.get(k, 0) for c in s["by_generator"].values()) for k in ("train", "validation")
    }
    typer.echo(
        f"wrote {s['records']} records to {out} (train {splits['train']}, "
        f"validation {splits['validation']}); card: {out / 'README.md'}"
    )
    for name, reasons in s["dropped"].items():
        typer.echo(f"  {name} dropped: " + ", ".join(f"{r} {n}" for r, n in reasons.items()))


def _command() -> str:
    """The command line for the card, as the user typed it when run from the shell."""
    args = sys.argv[1:]
    return (
        "cryptorag " + shlex.join(args)
        if args[:2] == ["dataset", "build"]
        else ("cryptorag dataset build")
    )


async def _build(
    services: Services,
    config: BuildConfig,
    options: Options,
    concurrency: int,
    retries: int,
    max_tokens: int,
) -> BuildResult:
    from finetune.build import build
    from finetune.generators import Context
    from finetune.kb import KnowledgeBase
    from finetune.llm import LLMRunner
    from finetune.prompts import DatasetPrompts

    settings = services.settings
    runner = None
    if services.llm is not None:
        runner = LLMRunner(
            services.llm, settings.llm.model, concurrency, retries, max_tokens=max_tokens
        )
    options.top_k = settings.api.chat_top_k
    ctx = Context(
        kb=KnowledgeBase.from_store(services.store),
        prompts=DatasetPrompts(settings.api.prompts_dir),
        options=options,
        llm=runner,
        retriever=services.retriever,
        service_prompts=services.prompts,
        feedback=services.feedback,
        onchain=services.answers.onchain,
    )
    return await build(config, ctx)


@dataset_cli.command("stats")
def stats_command(
    folder: Annotated[Path, typer.Argument(help="a folder written by `dataset build`")],
    json_out: Annotated[
        bool, typer.Option("--json", help="print JSON instead of the card")
    ] = False,
) -> None:
    """Print the dataset card of an existing folder (counts, lengths, sources, drops)."""
    from finetune.card import MANIFEST, RECORDS, render, stats

    if not (folder / MANIFEST).is_file() or not (folder / RECORDS).is_file():
        typer.echo(f"error: {folder} is not a dataset folder (no {MANIFEST})", err=True)
        raise typer.Exit(2)
    s = stats(folder)
    typer.echo(json.dumps(s, indent=1) if json_out else render(s))
