"""`cryptorag finetune dpo`: preference tuning on the feedback pairs a dataset folder holds."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from app.cli.finetune import finetune_cli, options_of, trained


@finetune_cli.command("dpo")
def dpo(
    ctx: typer.Context,
    data: Annotated[
        Path,
        typer.Option(help="dataset folder with preference pairs (dataset build -f preference)"),
    ],
    base_model: Annotated[str, typer.Option(help="base model folder (or a name in the HF cache)")],
    out: Annotated[Path, typer.Option(help="where the adapter, curves and config go")],
    adapter: Annotated[
        Path | None,
        typer.Option(help="SFT adapter to train further; it is also the reference (frozen copy)"),
    ] = None,
    beta: Annotated[
        float, typer.Option(help="DPO beta: higher stays closer to the reference")
    ] = 0.1,
    rank: Annotated[int, typer.Option(help="LoRA rank of a new adapter")] = 16,
    alpha: Annotated[int, typer.Option(help="LoRA alpha of a new adapter")] = 32,
    dropout: Annotated[float, typer.Option(help="LoRA dropout of a new adapter")] = 0.05,
    target_modules: Annotated[
        str, typer.Option(help="comma-separated module names, or all-linear (a new adapter)")
    ] = "all-linear",
    modules_to_save: Annotated[
        str, typer.Option(help="comma-separated modules trained in full (a new adapter)")
    ] = "",
    epochs: Annotated[float, typer.Option(help="passes over the pairs")] = 2.0,
    learning_rate: Annotated[float, typer.Option(help="peak learning rate")] = 5e-5,
    batch_size: Annotated[int, typer.Option(help="pairs per step")] = 4,
    max_length: Annotated[
        int, typer.Option(help="tokens per prompt and answer, longer cut")
    ] = 1024,
    eval_steps: Annotated[int, typer.Option(help="evaluate every N steps; 0 = once per epoch")] = 0,
    seed: Annotated[int, typer.Option(help="seed of the split and the training")] = 0,
    merge: Annotated[
        bool, typer.Option(help="also write the adapter merged into the base")
    ] = False,
) -> None:
    """Train on chosen/rejected pairs with DPO; write adapter, curves, run.json and a verdict."""
    from finetune.training.dpo import DpoOptions, train

    options = options_of(DpoOptions, ctx.params)  # the parameters above, by name
    result = trained(lambda: train(data, base_model, out, options, adapter))
    typer.echo(f"adapter: {result.adapter} (reference: {result.reference})")
    if result.merged:
        typer.echo(f"merged model: {result.merged}")
    typer.echo(f"curves: {out / 'loss_curve.png'}, {out / 'reward_margins.png'}")
    best = f"{result.best_eval_loss:.4f}" if result.best_eval_loss is not None else "n/a"
    typer.echo(
        f"{result.steps} steps in {result.seconds:.0f} s; DPO loss "
        f"{result.train_loss_first:.4f} -> {result.train_loss_last:.4f}; "
        f"best validation loss {best}; reward margin {result.reward_margin_last:+.4f}, "
        f"accuracy {result.reward_accuracy_last:.2f}"
    )
    typer.echo(f"curve: {result.verdict}")
