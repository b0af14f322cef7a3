"""Run `cryptorag serve` as a real process on a free port; ready when uvicorn says it listens."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

BIN = Path(sys.executable).parent / "cryptorag"
_LISTENING = re.compile(r"Uvicorn running on (http://\S+)")


@dataclass
class Served:
    """The running process, its base URL and everything it wrote to stderr so far."""

    proc: subprocess.Popen[str]
    url: str
    log: list[str] = field(default_factory=list)


@contextmanager
def serve_process(
    data_dir: Path, env: Mapping[str, str] | None = None, args: tuple[str, ...] = ()
) -> Iterator[Served]:
    """Start `cryptorag serve --port 0`, wait for its listening line, stop it afterwards."""
    full_env = {
        **os.environ,
        "CRYPTORAG_DATA_DIR": str(data_dir),
        "HF_HUB_OFFLINE": "1",
        **(env or {}),
    }
    proc = subprocess.Popen(
        [str(BIN), "serve", "--host", "127.0.0.1", "--port", "0", *args],
        env=full_env,
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
    )
    assert proc.stderr is not None
    log: list[str] = []
    url = None
    # Reading the pipe waits for the event itself: the line, or EOF when the process dies.
    for line in proc.stderr:
        log.append(line)
        if found := _LISTENING.search(line):
            url = found.group(1)
            break
    if url is None:
        proc.wait()
        raise RuntimeError(f"serve exited with {proc.returncode}:\n{''.join(log)[-3000:]}")
    served = Served(proc, url, log)
    drain = threading.Thread(target=_drain, args=(proc, log), daemon=True)
    drain.start()
    try:
        yield served
    finally:
        if proc.poll() is None:
            proc.terminate()
            proc.wait()
        drain.join()


def _drain(proc: subprocess.Popen[str], log: list[str]) -> None:
    assert proc.stderr is not None
    for line in proc.stderr:
        log.append(line)
