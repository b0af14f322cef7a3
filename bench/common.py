"""Helpers shared by the benchmark scripts."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

import httpx

from app.samples import CORPUS as SAMPLE
from bench.support.anvil import free_port

REPO = Path(__file__).resolve().parents[1]
TOKEN_CARDS = REPO / "eval" / "tokens" / "docs"
CLI = Path(sys.executable).parent / "cryptorag"

# The rate limit of the apps a benchmark starts: about 16,700 requests/s, far above anything one
# process on this machine can serve, so it never answers 429 unless a run asks for a lower one.
UNLIMITED = "1000000/minute"

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


def make_corpus(target: Path, copies: int) -> None:
    """Copies of the sample Markdown documents, each made distinct, to reach a chunk count."""
    target.mkdir(parents=True, exist_ok=True)
    for n in range(copies):
        for doc in sorted(SAMPLE.glob("*.md")):
            text = doc.read_text("utf-8")
            head, _, body = text.partition("\n---\n") if text.startswith("---") else ("", "", text)
            body = f"{body}\n\nRevision {n}: notes on {doc.stem} kept for benchmark copy {n}.\n"
            out = f"{head}\n---\n{body}" if head else body
            (target / f"{doc.stem}-{n:03d}.md").write_text(out, "utf-8")


def ingest_sample_and_cards(env: dict[str, str]) -> None:
    """The sample corpus and the token cards into the data dir `env` names, with the CLI."""
    corpora = [str(SAMPLE), str(TOKEN_CARDS)]
    subprocess.run(
        [str(CLI), "ingest", "--no-progress", *corpora],
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )


@contextmanager
def serve_cli(env: dict[str, str], *args: str) -> Iterator[str]:
    """`cryptorag serve --seed-sample` in its own process; yields its base URL once /readyz is 200.

    The rate limit is UNLIMITED unless env sets CRYPTORAG_RATE_LIMIT. A server that exits early
    stops the benchmark at once with the end of its log.
    """
    with serve_process(env, *args) as (base, _):
        yield base


@contextmanager
def serve_process(env: dict[str, str], *args: str) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """serve_cli, yielding the server's process too (for its CPU time, or a profiler)."""
    port = free_port()
    env = {"CRYPTORAG_RATE_LIMIT": UNLIMITED, **env}
    cmd = [str(CLI), "serve", "--seed-sample", "--port", str(port), *args]
    with _running(cmd, env, port, "/readyz") as started:
        yield started


@contextmanager
def floor_process(
    env: dict[str, str], workers: int
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """bench/support/floor.py in its own process; yields its base URL once it answers."""
    port = free_port()
    cmd = [sys.executable, "-m", "bench.support.floor", "--port", str(port), "--workers"]
    with _running([*cmd, str(workers)], env, port, "/docs") as started:
        yield started


@contextmanager
def _running(
    cmd: list[str], env: dict[str, str], port: int, ready: str
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """A server command started from the repo root, its base URL once `ready` answers 200, and
    stopped after; one that exits early stops the benchmark with the end of its log."""
    with tempfile.TemporaryFile() as log:
        server = subprocess.Popen(cmd, env=env, cwd=REPO, stdout=log, stderr=subprocess.STDOUT)
        try:
            base = f"http://127.0.0.1:{port}"
            _wait_ready(server, base, log, ready)
            yield base, server
        finally:
            server.terminate()
            server.wait(timeout=30)


def _wait_ready(server: subprocess.Popen[bytes], base: str, log: IO[bytes], path: str) -> None:
    deadline = time.monotonic() + 300
    with httpx.Client(base_url=base, timeout=30) as client:
        while time.monotonic() < deadline:
            if server.poll() is not None:
                log.seek(0)
                tail = log.read().decode("utf-8", "replace")[-3000:]
                raise SystemExit(f"server exited with {server.returncode}:\n{tail}")
            try:
                if client.get(path).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.5)
    raise SystemExit("server did not become ready in 300 s")


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time of a process and its children so far (from /proc)."""
    import psutil

    proc = psutil.Process(pid)
    total = 0.0
    for p in [proc, *proc.children(recursive=True)]:
        try:
            times = p.cpu_times()
        except psutil.NoSuchProcess:
            continue
        total += times.user + times.system
    return total
