"""The search benchmark runs as documented: past the default rate limit without a 429."""

from __future__ import annotations

import subprocess
import sys

import pytest
from limits import parse

from app.core.settings import AccessSettings
from bench.common import UNLIMITED
from tests.conftest import REPO

pytestmark = pytest.mark.integration


def test_benchmark_sends_more_requests_than_the_default_limit_allows() -> None:
    requests = parse(AccessSettings().rate_limit).amount + 5
    run = subprocess.run(
        [sys.executable, "-m", "bench.search", "--requests", str(requests)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=280,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    assert f"{requests} sequential requests over the sample corpus" in run.stdout
    assert "/v1/search p50:" in run.stdout


def test_the_benchmark_limit_is_a_valid_setting_far_above_the_default() -> None:
    bench = parse(AccessSettings(rate_limit=UNLIMITED).rate_limit)
    default = parse(AccessSettings().rate_limit)
    assert bench.amount / bench.get_expiry() >= 1000 * default.amount / default.get_expiry()
