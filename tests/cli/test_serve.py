"""`cryptorag serve` owns the embedded store; ingest, stats and ask go through it."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import psutil
import pytest

from tests.support.cli import cli_env
from tests.support.cli import run_cli as _run
from tests.support.serve_cli import Served, serve_process

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
    with serve_process(data, args=("--sources", str(sources))) as server:
        info = json.loads((data / "server.json").read_text())  # announced before it listens
        assert info["pid"] == server.proc.pid and info["port"] == urlsplit(server.url).port
        assert (data / "server.json").stat().st_mode & 0o077 == 0  # the token is for this user
        # The sources run in the server's own process.
        server.wait_for("watched: ingested")
        assert json.loads(_run(["stats"], data).stdout)["documents"] == 1
        ingested = _run(["ingest", str(corpus)], data)
        assert ingested.returncode == 0, ingested.stderr
        assert "through the server" in ingested.stderr and "written" in ingested.stdout
        stats = json.loads(_run(["stats"], data).stdout)
        assert stats["documents"] >= 30 and stats["backend"] == "edge"
        answer = _run(["ask", "Can I turn cvxCRV back into CRV?"], data)
        assert answer.returncode == 0 and "convex.md" in answer.stdout
        server.proc.send_signal(signal.SIGTERM)
        assert server.proc.wait(timeout=60) == 0
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


def _started(server: Served, count: int) -> None:
    """Wait until `count` processes said their app started (each worker says it once)."""
    with server.changed:
        while sum("Application startup complete" in line for line in server.log) < count:
            if server.ended:
                raise RuntimeError("serve ended early:\n" + "".join(server.log)[-3000:])
            server.changed.wait()


def test_several_workers_share_the_owners_store(corpus: Path, tmp_path: Path) -> None:
    data = tmp_path / "data"
    limit = {"CRYPTORAG_RATE_LIMIT": "12/minute"}  # counted in memory, in the owner
    with serve_process(data, env=limit, args=("--workers", "2")) as server:
        _started(server, 2)
        workers = psutil.Process(server.proc.pid).children()
        assert len([p for p in workers if "spawn" in " ".join(p.cmdline())]) == 2
        ingested = _run(["ingest", str(corpus)], data)  # a worker writes through the owner
        assert ingested.returncode == 0, ingested.stderr
        # A new connection a request, as many clients make them: the kernel spreads them.
        fresh = httpx.Limits(max_keepalive_connections=0)
        with httpx.Client(base_url=server.url, timeout=120, limits=fresh) as client:
            answers = [
                client.post("/v1/chat", json={"message": "Can I turn cvxCRV back into CRV?"})
                for _ in range(6)
            ]
            searches = [client.post("/v1/search", json={"query": "CRV"}) for _ in range(8)]
        assert all(a.status_code == 200 for a in answers)
        assert all("convex.md" in a.text for a in answers)  # every worker sees the write
        # One limit for the service, not one per worker: 12 a minute in all, whoever answered.
        assert [r.status_code for r in searches] == [200] * 6 + [429] * 2
        stats = json.loads(_run(["stats"], data).stdout)
        assert stats["documents"] == 29 and stats["backend"] == "edge"  # the owner's report
        server.proc.send_signal(signal.SIGTERM)
        assert server.proc.wait(timeout=60) == 0
    assert not (data / "server.json").exists()
    assert json.loads(_run(["stats"], data).stdout)["documents"] == 29  # kept, and reopened


def test_the_local_model_is_served_from_one_process(tmp_path: Path) -> None:
    """Each worker would load its own copy of the model: refused before any is loaded."""
    result = _run(
        ["serve", "--workers", "2", "--port", "0"],
        tmp_path / "data",
        CRYPTORAG_LLM_PROVIDER="local",
        CRYPTORAG_LOCAL_MODEL=str(tmp_path / "no-model-needed"),
    )
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "CRYPTORAG_WORKERS" in result.stderr
