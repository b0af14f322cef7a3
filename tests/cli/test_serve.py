"""`cryptorag serve` owns the embedded store; ingest, stats and ask go through it."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from bench.support.anvil import free_port
from tests.support.cli import BIN, cli_env
from tests.support.cli import run_cli as _run

pytestmark = pytest.mark.integration


def test_cli_goes_through_the_running_server(corpus: Path, tmp_path: Path) -> None:
    data = tmp_path / "data"
    watched = tmp_path / "watched"
    watched.mkdir()
    (watched / "weth.md").write_text((corpus / "weth.md").read_text())
    sources = tmp_path / "sources.yaml"
    sources.write_text(
        f"sources:\n  - name: watched\n    kind: files\n    path: {watched}\n    interval: 1h\n"
    )
    port = free_port()
    server = subprocess.Popen(
        [str(BIN), "serve", "--host", "127.0.0.1", "--port", str(port), "--sources", str(sources)],
        env=cli_env(data),
        stderr=subprocess.DEVNULL,
    )
    try:
        announced = data / "server.json"
        deadline = time.monotonic() + 180
        while not announced.exists() or not _healthy(port):
            assert server.poll() is None and time.monotonic() < deadline, "server did not start"
            time.sleep(0.2)
        info = json.loads(announced.read_text())
        assert info["pid"] == server.pid and info["port"] == port
        assert announced.stat().st_mode & 0o077 == 0  # the token is for this user only
        # The sources run in the server's own process.
        while json.loads(_run(["stats"], data).stdout)["documents"] < 1:
            assert time.monotonic() < deadline
            time.sleep(0.5)
        ingested = _run(["ingest", str(corpus)], data)
        assert ingested.returncode == 0, ingested.stderr
        assert "through the server" in ingested.stderr and "written" in ingested.stdout
        stats = json.loads(_run(["stats"], data).stdout)
        assert stats["documents"] >= 30 and stats["backend"] == "edge"
        answer = _run(["ask", "Can I turn cvxCRV back into CRV?"], data)
        assert answer.returncode == 0 and "convex.md" in answer.stdout
    finally:
        server.send_signal(signal.SIGTERM)
        assert server.wait(timeout=60) == 0
    assert not (data / "server.json").exists()
    # With the server gone, the CLI opens the store itself and finds everything kept.
    assert json.loads(_run(["stats"], data).stdout)["documents"] == stats["documents"]


def test_a_held_store_says_what_to_do(tmp_path: Path) -> None:
    data = tmp_path / "data"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import time\n"
            "from app.core.settings import load_settings\n"
            "from app.services import build_services\n"
            "services = build_services(load_settings())\n"
            "print('held', flush=True)\n"
            "time.sleep(300)",
        ],
        env=cli_env(data),
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        result = _run(["stats"], data)
        assert result.returncode == 2 and "Traceback" not in result.stderr
        assert "in use by another process" in result.stderr and "cryptorag serve" in result.stderr
    finally:
        holder.kill()
        holder.wait()


def _healthy(port: int) -> bool:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False
