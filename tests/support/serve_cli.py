"""Run `cryptorag serve` as a real process on a free port; ready when uvicorn says its startup
is complete (its "running on" line comes earlier, when the socket is bound, before `serve`
listens on it and announces itself in server.json)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

BIN = Path(sys.executable).parent / "cryptorag"
_LISTENING = re.compile(r"Uvicorn running on (http://\S+)")
_STARTED = "Application startup complete"


@dataclass
class Served:
    """The running process, its base URL and everything it wrote to stderr so far."""

    proc: subprocess.Popen[str]
    url: str
    log: list[str] = field(default_factory=list)
    ended: bool = False  # its stderr is closed: the process is gone
    changed: threading.Condition = field(default_factory=threading.Condition)

    def wait_for(self, text: str) -> str:
        """The first line of its log holding `text`, waiting for the process to write it (the
        test's timeout bounds the wait); raises at once when the process ends without it."""
        with self.changed:
            while not (found := [line for line in self.log if text in line]):
                if self.ended:
                    tail = "".join(self.log)[-3000:]
                    raise RuntimeError(f"serve ended without {text!r}:\n{tail}")
                self.changed.wait()
        return found[0]


@contextmanager
def serve_process(
    data_dir: Path, env: Mapping[str, str] | None = None, args: tuple[str, ...] = ()
) -> Iterator[Served]:
    """Start `cryptorag serve --port 0`, wait for its listening line, stop it afterwards."""
    with serve_processes([data_dir], env, args) as (served,):
        yield served


@contextmanager
def serve_processes(
    data_dirs: Sequence[Path], env: Mapping[str, str] | None = None, args: tuple[str, ...] = ()
) -> Iterator[list[Served]]:
    """Start one `cryptorag serve --port 0` per data dir at once (their starts overlap), wait
    for every listening line, stop them all afterwards."""
    procs: list[subprocess.Popen[str]] = []
    served: list[Served] = []
    drains: list[threading.Thread] = []
    try:
        for data_dir in data_dirs:
            full_env = {
                **os.environ,
                "CRYPTORAG_DATA_DIR": str(data_dir),
                "HF_HUB_OFFLINE": "1",
                **(env or {}),
            }
            procs.append(
                subprocess.Popen(
                    [str(BIN), "serve", "--host", "127.0.0.1", "--port", "0", *args],
                    env=full_env,
                    stderr=subprocess.PIPE,
                    stdout=subprocess.DEVNULL,
                    text=True,
                )
            )
        for proc in procs:
            served.append(_listening(proc))
            drains.append(threading.Thread(target=_drain, args=(served[-1],), daemon=True))
            drains[-1].start()
        yield served
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.terminate()
        for proc in procs:
            proc.wait()
        for drain in drains:
            drain.join()


def _listening(proc: subprocess.Popen[str]) -> Served:
    """Wait for its URL and then for its startup to complete: reading the pipe waits for the
    events themselves, the lines or EOF when the process dies."""
    assert proc.stderr is not None
    log: list[str] = []
    url = None
    for line in proc.stderr:
        log.append(line)
        if found := _LISTENING.search(line):
            url = found.group(1)
        elif url is not None and _STARTED in line:
            return Served(proc, url, log)
    proc.wait()
    raise RuntimeError(f"serve exited with {proc.returncode}:\n{''.join(log)[-3000:]}")


def _drain(served: Served) -> None:
    """Keep reading its stderr into the log (a full pipe would block it), waking waiters."""
    assert served.proc.stderr is not None
    for line in served.proc.stderr:
        with served.changed:
            served.log.append(line)
            served.changed.notify_all()
    with served.changed:
        served.ended = True
        served.changed.notify_all()
