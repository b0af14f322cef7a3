"""What this machine offers a training run: the GPU, bf16, free memory and optional kernels."""

from __future__ import annotations

import importlib
from dataclasses import dataclass


@dataclass(frozen=True)
class Hardware:
    """The facts a run's plan is decided from (finetune.training.budget.decide)."""

    cuda: bool
    bf16: bool
    free_bytes: int | None  # free GPU memory before the model loads; None on CPU
    flash_attn: bool  # the flash-attn package imports (varlen kernels for packed rows)
    liger: bool  # the liger-kernel package imports (fused RMSNorm, RoPE, SwiGLU)


def _imports(module: str) -> bool:
    """Whether an optional package imports; a broken build (wrong CUDA, no GPU) counts as absent."""
    try:
        importlib.import_module(module)
    except Exception:  # ImportError, or a compiled extension that fails to load
        return False
    return True


def probe() -> Hardware:
    """This machine: CPU runs need none of the optional kernels, so they are not imported there."""
    import torch

    if not torch.cuda.is_available():
        return Hardware(cuda=False, bf16=False, free_bytes=None, flash_attn=False, liger=False)
    free, _total = torch.cuda.mem_get_info()
    return Hardware(
        cuda=True,
        bf16=torch.cuda.is_bf16_supported(),
        free_bytes=int(free),
        flash_attn=_imports("flash_attn"),
        liger=_imports("liger_kernel"),
    )
