"""The GPU benchmark runs everywhere: without a GPU it says so and exits 0; --cpu runs it whole."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.conftest import REPO

pytestmark = pytest.mark.integration

# No CUDA device visible, so the test means the same on a machine that has one.
NO_GPU = {**os.environ, "CUDA_VISIBLE_DEVICES": ""}


def _bench(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bench.gpu", *args],
        cwd=REPO,
        env=NO_GPU,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_without_a_gpu_it_says_so_and_exits_0() -> None:
    run = _bench()
    assert run.returncode == 0, run.stderr[-2000:]
    assert "no CUDA GPU on this machine, nothing measured" in run.stdout
    assert "|" not in run.stdout  # no table of figures it did not measure


def test_on_cpu_it_trains_and_serves_the_tiny_shape_and_prints_the_figures() -> None:
    run = _bench("--cpu", "--json", "--streams", "3")
    assert run.returncode == 0, run.stderr[-3000:]
    rows = [line for line in run.stdout.splitlines() if line.startswith("| ")]
    assert [r.split("|")[1].strip() for r in rows[2:]] == [
        "LoRA, batch 8",
        "local provider, one stream",
        "local provider, 3 concurrent streams",
    ]
    figures = json.loads(run.stdout.strip().splitlines()[-1])
    assert figures["device"].startswith("CPU") and figures["model"]["shape"] == "tiny Qwen2"
    assert figures["data"]["tokens"] >= 6_000 and figures["train"]["tokens_per_second"] > 0
    one, many = figures["serve"]["one"], figures["serve"]["concurrent"]
    assert one["first_token_ms"] > 0 and one["tokens_per_second"] > 0
    assert many["tokens"] == 3 * 12 and many["tokens_per_second"] > 0
    assert 0 < many["first_token_ms_p50"] <= many["first_token_ms_max"]
