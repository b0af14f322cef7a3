"""`cryptorag finetune`: LoRA fine-tuning on a dataset folder, and a tiny base for trying it."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import fields
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

from app.cli.root import cli

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

Options = TypeVar("Options", bound="DataclassInstance")
Result = TypeVar("Result")

finetune_cli = typer.Typer(help="Fine-tune a chat model with LoRA.", no_args_is_help=True)
cli.add_typer(finetune_cli, name="finetune")

# Step counts where the command's 0 means "not set" (the trainer's None).
_ZERO_IS_NONE = ("eval_steps", "max_steps", "tokens_per_step")


def options_of(kind: type[Options], params: dict[str, Any]) -> Options:
    """A trainer's options from a command's values by name: module lists split, a 0 read as None."""
    given = {f.name: params[f.name] for f in fields(kind) if f.name in params}
    if given["target_modules"] != "all-linear":
        given["target_modules"] = _names(given["target_modules"])
    given["modules_to_save"] = _names(given["modules_to_save"])
    for name in _ZERO_IS_NONE:
        if name in given:
            given[name] = given[name] or None
    return kind(**given)


def trained(run: Callable[[], Result]) -> Result:
    """The run's result; a bad dataset, path or model is an error line and exit code 2."""
    from finetune.training.data import DatasetError

    try:
        return run()
    except (DatasetError, OSError, ValueError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None


def _names(text: str) -> list[str]:
    """Comma-separated module names, blanks left out."""
    return [m.strip() for m in text.split(",") if m.strip()]


@finetune_cli.command("lora")
def lora(
    ctx: typer.Context,
    data: Annotated[Path, typer.Option(help="dataset folder (Alpaca, ShareGPT or OpenAI chat)")],
    base_model: Annotated[str, typer.Option(help="base model folder (or a name in the HF cache)")],
    out: Annotated[Path, typer.Option(help="where the adapter, curve and config go")],
    rank: Annotated[int, typer.Option(help="LoRA rank")] = 16,
    alpha: Annotated[int, typer.Option(help="LoRA alpha")] = 32,
    dropout: Annotated[float, typer.Option(help="LoRA dropout")] = 0.05,
    target_modules: Annotated[
        str, typer.Option(help="comma-separated module names, or all-linear")
    ] = "all-linear",
    modules_to_save: Annotated[
        str, typer.Option(help="comma-separated modules trained in full (lm_head for a tiny base)")
    ] = "",
    epochs: Annotated[float, typer.Option(help="passes over the data")] = 2.0,
    learning_rate: Annotated[float, typer.Option(help="peak learning rate")] = 2e-4,
    batch_size: Annotated[
        int, typer.Option(help="rows of up to --max-length tokens per optimizer step")
    ] = 4,
    max_length: Annotated[int, typer.Option(help="tokens per example, longer cut")] = 1024,
    tokens_per_step: Annotated[
        int,
        typer.Option(
            help="tokens in one forward/backward; gradient accumulation keeps --batch-size rows "
            "per update. 0 = all rows at once, or on a GPU the most that fit"
        ),
    ] = 0,
    packing: Annotated[
        bool | None,
        typer.Option(
            "--packing/--no-packing",
            help="several records per row, kept apart (trl's bfd, padding-free); "
            "default: on where flash-attention is installed",
        ),
    ] = None,
    max_steps: Annotated[int, typer.Option(help="stop after N optimizer steps; 0 = epochs")] = 0,
    eval_steps: Annotated[int, typer.Option(help="evaluate every N steps; 0 = once per epoch")] = 0,
    seed: Annotated[int, typer.Option(help="seed of the split and the training")] = 0,
    data_format: Annotated[
        str | None,
        typer.Option("--format", help="openai, sharegpt or alpaca files of a dataset folder"),
    ] = None,
    merge: Annotated[
        bool, typer.Option(help="also write the adapter merged into the base")
    ] = False,
) -> None:
    """Train a LoRA adapter; write it with the tokenizer, the run's config and the loss curve."""
    from finetune.training.lora import LoraOptions, train

    options = options_of(LoraOptions, ctx.params)  # the parameters above, by name
    result = trained(lambda: train(data, base_model, out, options))
    typer.echo(f"adapter: {result.adapter}")
    if result.merged:
        typer.echo(f"merged model: {result.merged}")
    typer.echo(f"loss curve: {out / 'loss_curve.png'} (history in loss_history.json/.csv)")
    best = f"{result.best_eval_loss:.4f}" if result.best_eval_loss is not None else "n/a"
    typer.echo(
        f"{result.steps} steps in {result.seconds:.0f} s; training loss "
        f"{result.train_loss_first:.4f} -> {result.train_loss_last:.4f}; "
        f"best validation loss {best}"
    )
    typer.echo(f"curve: {result.verdict}")
    plan = json.loads((out / "run.json").read_text("utf-8"))["plan"]
    typer.echo(
        f"batches: {'packed' if plan['packing'] else 'padded'}, {plan['rows_per_step']} rows of "
        f"{plan['max_length']} tokens, accumulation {plan['accumulation']}; attention "
        f"{plan['attention']}; gradient checkpointing {'on' if plan['checkpointing'] else 'off'}; "
        f"liger {'on' if plan['liger'] else 'off'}"
    )
    if result.tokens_per_second is not None:
        peak = result.peak_memory_bytes
        memory = f"; peak GPU memory {peak / 2**30:.1f} GiB" if peak is not None else ""
        typer.echo(f"{result.tokens} tokens at {result.tokens_per_second:,.0f} tokens/s{memory}")


@finetune_cli.command("tiny-base")
def tiny_base(
    out: Annotated[Path, typer.Option(help="folder for the model and tokenizer")],
    corpus: Annotated[
        Path | None,
        typer.Option(help="texts to train the tokenizer on (default: the sample corpus)"),
    ] = None,
) -> None:
    """Build a tiny random chat model (for tests and a CPU walk-through; it knows nothing)."""
    from app.samples import CORPUS
    from finetune.training.tiny import build_tiny_model, corpus_texts

    path = build_tiny_model(out, corpus_texts(corpus or CORPUS))
    typer.echo(f"tiny base model: {path}")
