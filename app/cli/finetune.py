"""`cryptorag finetune`: LoRA fine-tuning on a dataset folder, and a tiny base for trying it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from app.cli.root import cli

finetune_cli = typer.Typer(help="Fine-tune a chat model with LoRA.", no_args_is_help=True)
cli.add_typer(finetune_cli, name="finetune")


@finetune_cli.command("lora")
def lora(
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
    from finetune.training.data import DatasetError
    from finetune.training.lora import LoraOptions, train

    options = LoraOptions(
        rank=rank,
        alpha=alpha,
        dropout=dropout,
        target_modules=target_modules
        if target_modules == "all-linear"
        else [m.strip() for m in target_modules.split(",") if m.strip()],
        modules_to_save=[m.strip() for m in modules_to_save.split(",") if m.strip()],
        epochs=epochs,
        learning_rate=learning_rate,
        batch_size=batch_size,
        max_length=max_length,
        eval_steps=eval_steps or None,
        seed=seed,
        merge=merge,
        data_format=data_format,
        max_steps=max_steps or None,
        tokens_per_step=tokens_per_step or None,
        packing=packing,
    )
    try:
        result = train(data, base_model, out, options)
    except (DatasetError, OSError, ValueError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
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
