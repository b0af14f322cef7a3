"""Load on POST /v1/chat/completions at 1, 8 and 32 concurrent clients, against a stand-in LLM
with a fixed latency, each in its own process.

Usage (from the repo root):
    .venv/bin/python -m bench.load [--llm-latency-ms 200] [--seconds 20] [--rate-limit 600/minute]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import httpx

from bench.common import REPO, UNLIMITED, free_port, percentile, serve_cli

QUESTIONS = [
    "What happened to TerraUSD?",
    "How do flash loans work?",
    "What is veCRV?",
    "Who takes the other side of trades on Synthetix?",
    "USDC on Arbitrum",
    "what is 0xba12222222228d8ba445958a75a0704d566bf2c8",
    "How did Beanstalk get drained?",
    "Can I turn cvxCRV back into CRV?",
]


async def _client(
    base: str, stop_at: float, latencies: list[float], codes: Counter[int], n: int
) -> None:
    async with httpx.AsyncClient(base_url=base, timeout=60) as client:
        i = n
        while time.monotonic() < stop_at:
            body = {
                "model": "cryptorag",
                "messages": [{"role": "user", "content": QUESTIONS[i % len(QUESTIONS)]}],
            }
            start = time.perf_counter()
            r = await client.post("/v1/chat/completions", json=body)
            latencies.append((time.perf_counter() - start) * 1000)
            codes[r.status_code] += 1
            i += 1


async def _level(
    base: str, clients: int, seconds: float
) -> tuple[list[float], Counter[int], float]:
    latencies: list[float] = []
    codes: Counter[int] = Counter()
    start = time.monotonic()
    stop_at = start + seconds
    await asyncio.gather(*(_client(base, stop_at, latencies, codes, n) for n in range(clients)))
    return latencies, codes, time.monotonic() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--llm-latency-ms", type=float, default=200)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument(
        "--rate-limit",
        default=UNLIMITED,
        help="the service's limit; set it low to see behaviour past it",
    )
    args = parser.parse_args()
    bin_dir = Path(sys.executable).parent
    llm_port = free_port()
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "FAKE_LLM_DELAY_S": str(args.llm_latency_ms / 1000)}
    llm = subprocess.Popen(
        [
            str(bin_dir / "uvicorn"),
            "--factory",
            "tests.support.fake_llm:create_app_from_env",
            "--port",
            str(llm_port),
            "--log-level",
            "warning",
        ],
        env=env,
        cwd=REPO,
    )
    try:
        with tempfile.TemporaryDirectory() as tmp:
            env.update(
                CRYPTORAG_DATA_DIR=tmp,
                CRYPTORAG_LLM_BASE_URL=f"http://127.0.0.1:{llm_port}/v1",
                CRYPTORAG_RATE_LIMIT=args.rate_limit,
                CRYPTORAG_LOG_LEVEL="WARNING",
            )
            with serve_cli(env) as base:
                print(
                    f"stand-in LLM latency {args.llm_latency_ms:.0f} ms; "
                    f"{args.seconds:.0f} s per level"
                )
                print(
                    f"{'clients':>7} {'requests':>8} {'rps':>6} {'p50 ms':>7} {'p95 ms':>7} "
                    f"{'overhead p50':>12}  statuses"
                )
                for clients in (1, 8, 32):
                    lat, codes, elapsed = asyncio.run(_level(base, clients, args.seconds))
                    p50 = percentile(lat, 50)
                    print(
                        f"{clients:>7} {len(lat):>8} {len(lat) / elapsed:>6.1f} {p50:>7.1f} "
                        f"{percentile(lat, 95):>7.1f} {p50 - args.llm_latency_ms:>12.1f}  "
                        f"{dict(codes)}",
                        flush=True,
                    )
    finally:
        llm.terminate()
        llm.wait(timeout=30)


if __name__ == "__main__":
    main()
