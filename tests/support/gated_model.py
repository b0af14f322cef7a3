"""A model behind a gate, for tests of the local engine that decide when its steps run."""

from __future__ import annotations

import threading
from typing import Any


class Gated:
    """The model behind a gate: each forward says it arrived and takes a permit, so the test
    says when steps run; `fail_at` makes that forward (counted from 1) raise once."""

    def __init__(self, model: Any, fail_at: int = 0) -> None:
        self.model, self.config, self.fail_at = model, model.config, fail_at
        self.generation_config = model.generation_config
        self.device, self.dtype = model.device, model.dtype
        self.permits, self.arrived = threading.Semaphore(0), threading.Semaphore(0)
        self.forwards = 0

    def get_base_model(self) -> Any:
        """The model itself (the engine reads its forward's arguments there, as from peft's)."""
        return self.model

    def open(self) -> None:
        """Let every later forward run."""
        self.permits.release(100_000)

    def __call__(self, **inputs: Any) -> Any:
        self.arrived.release()
        self.permits.acquire()
        self.forwards += 1
        if self.forwards == self.fail_at:
            raise RuntimeError("CUDA out of memory (a test's)")
        return self.model(**inputs)
