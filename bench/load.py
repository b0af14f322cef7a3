"""Load on POST /v1/chat/completions at 1, 8 and 32 concurrent clients, against a stand-in LLM
with a fixed latency (or no model: extractive answers), each in its own process. Reports the
CPU time per request at each level of the server, of this load generator and of the stand-in
model (all three share the machine's cores, so their sum bounds the throughput one machine can
show).

Usage (from the repo root):
    .venv/bin/python -m bench.load [--llm-latency-ms 200] [--seconds 20] [--rate-limit 600/minute]
    .venv/bin/python -m bench.load --mode extractive          # no language model
    .venv/bin/python -m bench.load --profile FILE             # py-spy on the server at 32 clients
    .venv/bin/python -m bench.load --floor                    # and the stack alone, same levels
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

from app.eval.metrics import percentile
from bench.common import REPO, UNLIMITED, cpu_seconds, floor_process, serve_process
from bench.support.anvil import free_port

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
    parser.add_argument(
        "--mode", choices=["llm", "extractive"], default="llm", help="extractive: no model"
    )
    parser.add_argument("--clients", default="1,8,32", help="concurrency levels, comma-separated")
    parser.add_argument("--profile", help="py-spy's flame data of the server at the last level")
    parser.add_argument(
        "--floor",
        action="store_true",
        help="the same levels against FastAPI and the model alone, and the ratio",
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=min(os.cpu_count() or 1, 4),
        help="server processes (`serve --workers`); default: one a core, at most 4",
    )
    args = parser.parse_args()
    bin_dir = Path(sys.executable).parent
    llm_port = free_port()
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "FAKE_LLM_DELAY_S": str(args.llm_latency_ms / 1000)}
    llm = None
    if args.mode == "llm":
        llm = subprocess.Popen(
            [
                str(bin_dir / "uvicorn"),
                "--factory",
                "bench.support.fake_llm:create_app_from_env",
                "--port",
                str(llm_port),
                "--log-level",
                "warning",
            ],
            env=env,
            cwd=REPO,
        )
    levels = [int(n) for n in args.clients.split(",")]
    try:
        with tempfile.TemporaryDirectory() as tmp:
            env.update(
                CRYPTORAG_DATA_DIR=tmp,
                CRYPTORAG_RATE_LIMIT=args.rate_limit,
                CRYPTORAG_LOG_LEVEL="WARNING",
            )
            model_latency = 0.0
            if llm is not None:
                env["CRYPTORAG_LLM_BASE_URL"] = f"http://127.0.0.1:{llm_port}/v1"
                model_latency = args.llm_latency_ms
            else:
                env.pop("CRYPTORAG_LLM_BASE_URL", None)
            with serve_process(env, "--workers", str(args.workers)) as (base, server):
                asyncio.run(_level(base, 1, 2))  # warm up: first requests load lazily
                said = (
                    f"stand-in LLM latency {args.llm_latency_ms:.0f} ms"
                    if llm is not None
                    else "extractive answers (no language model)"
                )
                print(f"{said}; {args.workers} server process(es); {args.seconds:.0f} s per level")
                served = _levels(
                    base, server.pid, levels, args.seconds, llm, model_latency, args.profile
                )
            if args.floor:
                print("the floor: FastAPI and langchain-openai alone (bench/support/floor.py)")
                floor_env = {**env, "FLOOR_LLM_URL": env.get("CRYPTORAG_LLM_BASE_URL", "")}
                with floor_process(floor_env, args.workers) as (base, floor):
                    asyncio.run(_level(base, 1, 2))
                    bare = _levels(base, floor.pid, levels, args.seconds, llm, model_latency, None)
                for clients, rps, bare_rps in zip(levels, served, bare, strict=True):
                    ratio = rps / bare_rps if bare_rps else float("nan")
                    print(
                        f"{clients:>7} clients: the service answers {ratio:.2f}x "
                        "the floor's requests/s"
                    )
    finally:
        if llm is not None:
            llm.terminate()
            llm.wait(timeout=30)


def _levels(
    base: str,
    pid: int,
    levels: list[int],
    seconds: float,
    llm: subprocess.Popen[bytes] | None,
    model_latency: float,
    profile: str | None,
) -> list[float]:
    """Each level run against the server at base (process pid), printed; requests/s of each."""
    print(
        f"{'clients':>7} {'requests':>8} {'rps':>6} {'p50 ms':>7} {'p95 ms':>7} "
        f"{'overhead p50':>12} {'CPU/req ms':>10} {'client':>6} {'model':>6}  statuses"
    )
    out = []
    for clients in levels:
        spy = None
        if profile and clients == levels[-1]:
            spy = _profiler(pid, profile, seconds)
        cpu, own, model = _cpu(pid), _own_cpu(), _cpu(llm.pid if llm else None)
        lat, codes, elapsed = asyncio.run(_level(base, clients, seconds))
        cpu = _cpu(pid) - cpu
        own = _own_cpu() - own
        model = _cpu(llm.pid if llm else None) - model
        n = max(len(lat), 1)
        if spy is not None:
            spy.wait(timeout=120)
        p50 = percentile(lat, 50)
        print(
            f"{clients:>7} {len(lat):>8} {len(lat) / elapsed:>6.1f} {p50:>7.1f} "
            f"{percentile(lat, 95):>7.1f} {p50 - model_latency:>12.1f} "
            f"{cpu * 1000 / n:>10.1f} {own * 1000 / n:>6.1f} {model * 1000 / n:>6.1f}"
            f"  {dict(codes)}",
            flush=True,
        )
        out.append(len(lat) / elapsed)
    return out


def _cpu(pid: int | None) -> float:
    return cpu_seconds(pid) if pid is not None else 0.0


def _own_cpu() -> float:
    """This process's CPU time: the load generator's own share of the machine."""
    t = os.times()
    return t.user + t.system


def _profiler(pid: int, out: str, seconds: float) -> subprocess.Popen[bytes]:
    """py-spy sampling the server (all its threads) while a level runs; raw collapsed stacks."""
    spy = Path(sys.executable).parent / "py-spy"
    return subprocess.Popen(
        [
            str(spy),
            "record",
            "--pid",
            str(pid),
            "--duration",
            str(int(seconds)),
            "--rate",
            "200",
            "--format",
            "raw",
            "--output",
            out,
            "--nonblocking",
            "--subprocesses",  # the workers of `serve --workers`
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


if __name__ == "__main__":
    main()
