"""The load benchmark runs as documented, and measures the stack alone beside the service."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from tests.conftest import REPO

pytestmark = pytest.mark.integration


def test_load_with_the_floor_answers_every_request_and_prints_the_ratio() -> None:
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench.load",
            *("--clients", "2", "--seconds", "1", "--workers", "1", "--llm-latency-ms", "0"),
            "--floor",
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=280,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    out = run.stdout
    assert "the floor: FastAPI and langchain-openai alone" in out
    # Two tables, one row each, every request answered (the floor's through the stand-in too).
    rows = re.findall(r"^\s+2\s+(\d+) .*\{200: (\d+)\}$", out, re.M)
    assert len(rows) == 2 and all(total == ok and int(ok) > 0 for total, ok in rows), out
    assert re.search(r"2 clients: the service answers \d+\.\d\dx the floor's requests/s", out)
