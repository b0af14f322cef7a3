"""Calls that may wait on another process leave the event loop; in-memory ones stay on it."""

from __future__ import annotations

import threading

import anyio

from app.access.limits import RateLimiter
from app.core.blocking import off_loop
from app.rag.leakledger import LeakLedger


def test_a_blocking_call_runs_on_a_worker_thread_and_an_in_memory_one_inline() -> None:
    async def main() -> tuple[int, int, int]:
        here = threading.get_ident()
        away = await off_loop(True, threading.get_ident)
        inline = await off_loop(False, threading.get_ident)
        return here, away, inline

    here, away, inline = anyio.run(main)
    assert away != here
    assert inline == here


def test_limiters_and_ledgers_say_whether_they_block() -> None:
    assert RateLimiter("5/minute").blocks is False
    assert RateLimiter("5/minute", "redis://127.0.0.1:6379").blocks is True
    assert LeakLedger.blocks is False


class _Limiter:
    """A limiter that records the thread each hit ran on."""

    def __init__(self, blocks: bool) -> None:
        self.blocks = blocks
        self.threads: list[int] = []

    def hit(self, caller: str) -> int | None:
        self.threads.append(threading.get_ident())
        return None


def test_the_api_rate_limit_waits_on_an_owner_off_the_loop_and_counts_memory_inline() -> None:
    from app.api.deps import limit

    owner, memory = _Limiter(blocks=True), _Limiter(blocks=False)

    async def main() -> int:
        await limit(owner, "addr:1")  # type: ignore[arg-type]
        await limit(memory, "addr:1")  # type: ignore[arg-type]
        return threading.get_ident()

    loop_thread = anyio.run(main)
    assert owner.threads and owner.threads[0] != loop_thread
    assert memory.threads == [loop_thread]
