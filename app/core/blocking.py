"""Calls that may wait on another process (the store's owner, Redis), kept off the event loop."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import anyio

T = TypeVar("T")


async def off_loop(blocks: bool, fn: Callable[..., T], *args: object) -> T:
    """fn(*args) on a worker thread when it `blocks`, else inline (a hop costs more than it)."""
    if not blocks:
        return fn(*args)
    return await anyio.to_thread.run_sync(fn, *args)
