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
