"""The worker processes of `cryptorag serve --workers N`: a socket each, kept running.

Every worker listens on the same port through a socket of its own (SO_REUSEPORT), so the kernel
spreads new connections over the workers by their addresses. With one shared socket, the first
worker to wake accepts every waiting connection at once, and clients that keep their connections
(a proxy, a load generator, a bot) all end up on that one worker while the others idle.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import socket
import threading
from multiprocessing.connection import wait
from multiprocessing.synchronize import Event
from typing import Any

import uvicorn

log = logging.getLogger("cryptorag")
# A worker that fails before it serves (its app cannot start) would fail again: stop instead.
STARTUP_FAILED = 3


def listening_sockets(host: str, port: int, count: int, backlog: int) -> list[socket.socket]:
    """count sockets bound to one port (port 0: a free one, the same for all), listening."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    if port:
        # SO_REUSEPORT would let this port be shared with any process of this user that set
        # it too (another serve, or orphaned workers): a plain bind first finds it in use.
        with socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind((host, port))
    out: list[socket.socket] = []
    try:
        for _ in range(count):
            # proto named, as uvicorn does: asyncio turns Nagle's algorithm off (TCP_NODELAY)
            # only on sockets that say they are TCP, and with it on, a reply's last segment
            # waited some 40 ms for the client's delayed ACK (measured: search 52 ms, not 7).
            sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
            out.append(sock)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
            sock.bind((host, port))
            port = int(sock.getsockname()[1])
            sock.listen(backlog)
    except OSError:
        for sock in out:
            sock.close()
        raise
    return out


class _Server(uvicorn.Server):
    """uvicorn's server, saying when it has started serving."""

    def __init__(self, config: uvicorn.Config, ready: Event) -> None:
        super().__init__(config)
        self.ready = ready

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        if self.started:
            self.ready.set()


def _work(config: uvicorn.Config, sock: socket.socket, ready: Event) -> None:
    """One worker process: its app (built by the config's factory), served on its socket."""
    from app.core.logging import configure_logging

    configure_logging()  # the app's own format and level, as in the process that spawned it
    config.configure_logging()
    threading.Thread(target=_end_with_parent, name="parent-watch", daemon=True).start()
    _Server(config, ready).run(sockets=[sock])


def _end_with_parent() -> None:
    """Stop this worker when the process that owns the store is gone (killed, not stopped):
    an orphan would keep its share of the port and answer every request with an error."""
    parent = multiprocessing.parent_process()
    if parent is not None:
        wait([parent.sentinel])
        os.kill(os.getpid(), signal.SIGTERM)


class Workers:
    """Start a worker per socket, restart one that dies, stop them all on SIGINT or SIGTERM."""

    def __init__(self, config: uvicorn.Config, sockets: list[socket.socket]) -> None:
        self.config = config
        self.sockets = sockets
        self.context = multiprocessing.get_context("spawn")
        self.stopping = threading.Event()
        self.processes: list[Any] = []
        self.ready: list[Event] = []
        self.changed = threading.Condition()  # notified when a worker is started
        self.signalled = False
        # A worker not done this long after SIGTERM is killed (uvicorn's own graceful timeout
        # when set); only a stop waits on it.
        self.grace_s = float(config.timeout_graceful_shutdown or 30)
        self.restarts = 0

    def _start(self, index: int) -> None:
        ready = self.context.Event()
        process = self.context.Process(
            target=_work, args=(self.config, self.sockets[index], ready), name=f"worker-{index}"
        )
        process.start()
        with self.changed:
            if index < len(self.processes):
                self.processes[index], self.ready[index] = process, ready
            else:
                self.processes.append(process)
                self.ready.append(ready)
            self.changed.notify_all()

    def run(self) -> int:
        """Serve until a signal; the exit status (STARTUP_FAILED when a worker could not start)."""
        for sig in (signal.SIGINT, signal.SIGTERM):
            # A flag, not Event.set: a second signal arriving inside the first handler's
            # Event.set would wait forever for the lock that handler holds.
            signal.signal(sig, self._signalled)
        for index in range(len(self.sockets)):
            self._start(index)
        status = 0
        while not (self.stopping.is_set() or self.signalled):
            # Wakes when a worker ends, and twice a second to see a signal's flag.
            wait([p.sentinel for p in self.processes], timeout=0.5)
            for index, process in enumerate(self.processes):
                if process.is_alive() or self.stopping.is_set() or self.signalled:
                    continue
                if not self.ready[index].is_set() and not self.restarts:
                    # Its app could not start: the others would fail the same way.
                    code = process.exitcode
                    log.error("worker %d exited before it served (status %s)", index, code)
                    status = STARTUP_FAILED
                    self.stopping.set()
                    break
                self.restarts += 1
                log.warning("worker %d (pid %s) died; starting another", index, process.pid)
                self._start(index)
        self.stop()
        return status

    def _signalled(self, *_: object) -> None:
        self.signalled = True

    def stop(self) -> None:
        """SIGTERM to every worker (uvicorn finishes its requests), then wait for them; one
        still running after the grace period (a stream that does not end) is killed."""
        for process in self.processes:
            if process.is_alive():
                process.terminate()
        for process in self.processes:
            process.join(self.grace_s)
            if process.is_alive():
                log.warning(
                    "worker pid %s did not stop in %.0f s: killed", process.pid, self.grace_s
                )
                process.kill()
                process.join()
