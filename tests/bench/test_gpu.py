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
    figures = json.loads(run.stdout.strip().splitlines()[-1])
    data, train = figures["data"], figures["train"]
    assert [r.split("|")[1].strip() for r in rows[2:]] == [
        f"LoRA, batch 8 rows of {data['longest']}",
        "local provider, one stream",
        "local provider, 3 concurrent streams",
    ]
    assert figures["device"].startswith("CPU") and figures["model"]["shape"] == "tiny Qwen2"
    # One epoch over records of at least --train-tokens: the trainer saw every one of them.
    assert train["tokens"] == data["tokens"] >= 6_000 and train["tokens_per_second"] > 0
    assert train["plan"]["device"] == "cpu" and train["peak_memory_bytes"] is None
    one, many = figures["serve"]["one"], figures["serve"]["concurrent"]
    assert one["first_token_ms"] > 0 and one["tokens_per_second"] > 0
    # Answers run to the cap (12 on CPU), as the engine counts the tokens it generated.
    assert one["answer_tokens"] == 12 and many["tokens"] == 3 * 12
    assert many["tokens_per_second"] > 0 and 1 <= many["most_answers_a_step"] <= 3
    assert 0 < many["first_token_ms_p50"] <= many["first_token_ms_max"]
