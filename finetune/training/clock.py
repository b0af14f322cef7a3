"""Time spent in training steps only, so tokens/s leaves out loading, evaluation and saving."""

from __future__ import annotations

import time
from typing import Any

from transformers import TrainerCallback


class StepClock(TrainerCallback):
    """Sums the wall time from each optimizer step's start to its end (GPU work included)."""

    def __init__(self, cuda: bool) -> None:
        self.cuda = cuda
        self.seconds = 0.0
        self._started: float | None = None

    def _now(self) -> float:
        if self.cuda:  # kernels run asynchronously: wait for them, or the step looks free
            import torch

            torch.cuda.synchronize()
        return time.perf_counter()

    def on_step_begin(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        self._started = self._now()

    def on_step_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        if self._started is not None:
            self.seconds += self._now() - self._started
            self._started = None
