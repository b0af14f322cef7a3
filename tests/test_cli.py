"""The installed `cryptorag` command, run as a user would."""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
from pathlib import Path

import pytest

from app.samples import CORPUS
from tests.support.cli import BIN, cli_env
from tests.support.cli import run_cli as _run

pytestmark = pytest.mark.integration


def test_ingest_stats_ask(corpus: Path, tmp_path: Path) -> None:
    data = tmp_path / "data"
    (corpus / "junk.bin").write_bytes(b"\x00\x01")
    result = _run(["ingest", str(corpus)], data)
    assert result.returncode == 1, result.stderr
    assert "skipped" in result.stderr and "junk.bin" in result.stderr
    assert "1 skipped" in result.stdout
    stats = json.loads(_run(["stats"], data).stdout)
    assert stats["documents"] >= 29 and stats["chunks"] >= stats["documents"]
    (corpus / "junk.bin").unlink()
    again = _run(["ingest", str(corpus)], data)
    assert again.returncode == 0
    assert "0 written" in again.stdout
    answer = _run(["ask", "Can I turn cvxCRV back into CRV?"], data)
    assert answer.returncode == 0
    assert "Sources:" in answer.stdout and "convex.md" in answer.stdout
    # No RPC URL: the answer says the chain was not read, and stderr does not say it again.
    usdc = _run(["ask", "Is 0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48 safe?"], data)
    assert usdc.returncode == 0, usdc.stderr
    assert "was not read" in usdc.stdout
    assert "warning: the live state" not in usdc.stderr


def test_bad_configuration_is_one_clear_line(tmp_path: Path) -> None:
    result = _run(["stats"], tmp_path, CRYPTORAG_LLM_BASE_URL="nope")
    assert result.returncode == 2
    assert "CRYPTORAG_LLM_BASE_URL" in result.stderr
    assert "Traceback" not in result.stderr


def test_worker_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    folder = tmp_path / "docs"
    folder.mkdir()
    shutil.copy(CORPUS / "weth.md", folder)
    proc = subprocess.Popen(
        [str(BIN), "worker", str(folder), "--interval", "60", "--metrics-port", "0"],
        env=cli_env(tmp_path / "data"),
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stderr is not None
    line = ""
    for line in proc.stderr:  # until its first run is reported (or EOF: the worker died)
        if "paths: ingested" in line:
            break
    assert "paths: ingested" in line and "1 written" in line
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=30) == 0
