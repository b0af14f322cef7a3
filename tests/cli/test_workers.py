"""The worker supervisor of `serve --workers`: connections spread over the workers, a dead worker
is replaced, a worker that cannot start stops the whole server."""

from __future__ import annotations

import os
import signal
import socket
import threading
from collections.abc import Iterator

import httpx
import pytest
import uvicorn

from app.cli.workers import STARTUP_FAILED, Workers, listening_sockets

pytestmark = pytest.mark.integration


@pytest.fixture
def restore_signals() -> Iterator[None]:
    saved = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    yield
    for sig, handler in saved.items():
        signal.signal(sig, handler)


def _workers(factory: str, count: int) -> tuple[Workers, str]:
    sockets = listening_sockets("127.0.0.1", 0, count, 64)
    port = sockets[0].getsockname()[1]
    assert all(s.getsockname()[1] == port for s in sockets)
    # TCP by name: asyncio sets TCP_NODELAY on what these accept only then.
    assert all(s.proto == socket.IPPROTO_TCP for s in sockets)
    config = uvicorn.Config(f"tests.cli.worker_apps:{factory}", factory=True, log_level="warning")
    return Workers(config, sockets), f"http://127.0.0.1:{port}"


def test_connections_spread_and_a_dead_worker_is_replaced(restore_signals: None) -> None:
    workers, url = _workers("serving", 2)
    seen: set[int] = set()
    replaced: list[int] = []
    errors: list[BaseException] = []

    def drive() -> None:
        try:
            with workers.changed:
                workers.changed.wait_for(lambda: len(workers.processes) == 2)
            for ready in list(workers.ready):
                ready.wait()
            # New connections, as many clients open them: the kernel spreads them by address.
            while len(seen) < 2:
                seen.add(httpx.get(f"{url}/pid", timeout=60).json())
            first = workers.processes[0]
            first.kill()
            first.join()
            with workers.changed:
                workers.changed.wait_for(lambda: workers.processes[0] is not first)
            workers.ready[0].wait()
            replaced.append(workers.processes[0].pid)
            assert httpx.get(f"{url}/pid", timeout=60).status_code == 200
        except BaseException as exc:
            errors.append(exc)
        finally:
            workers.stopping.set()

    driver = threading.Thread(target=drive)
    driver.start()
    assert workers.run() == 0
    driver.join()
    assert not errors, errors
    assert len(seen) == 2 and replaced and replaced[0] not in seen
    assert not any(p.is_alive() for p in workers.processes)


def test_a_worker_that_cannot_start_stops_the_server(restore_signals: None) -> None:
    workers, _ = _workers("broken", 2)
    assert workers.run() == STARTUP_FAILED
    assert not any(p.is_alive() for p in workers.processes)


def test_signals_stop_every_worker_even_twice_at_once(restore_signals: None) -> None:
    """A second SIGTERM (a supervisor's and a user's) lands inside the first one's handling."""
    workers, _ = _workers("serving", 2)

    def signal_twice() -> None:
        with workers.changed:
            workers.changed.wait_for(lambda: len(workers.processes) == 2)
        for ready in list(workers.ready):
            ready.wait()
        os.kill(os.getpid(), signal.SIGTERM)
        os.kill(os.getpid(), signal.SIGTERM)

    driver = threading.Thread(target=signal_twice)
    driver.start()
    assert workers.run() == 0
    driver.join()
    assert not any(p.is_alive() for p in workers.processes)
