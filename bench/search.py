"""/v1/search latency over HTTP on the sample corpus, against a server in its own process.

Usage: .venv/bin/python -m bench.search [--requests 300]   (from the repo root)
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from bench.common import REPO, percentile

QUESTIONS = REPO.parent / "shared" / "eval" / "dev" / "questions.jsonl"
FALLBACK = [
    "what is 0xba12222222228d8ba445958a75a0704d566bf2c8",
    "How do flash loans work?",
    "Why did TerraUSD lose its peg?",
    "USDC on Base",
    "What is veCRV?",
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=300)
    args = parser.parse_args()
    queries = (
        [json.loads(line)["q"] for line in QUESTIONS.read_text().splitlines() if line]
        if QUESTIONS.exists()
        else FALLBACK
    )
    port = _free_port()
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "CRYPTORAG_DATA_DIR": tmp, "HF_HUB_OFFLINE": "1"}
        server = subprocess.Popen(
            [
                str(Path(sys.executable).parent / "cryptorag"),
                "serve",
                "--seed-sample",
                "--port",
                str(port),
            ],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            with httpx.Client(base_url=base, timeout=30) as client:
                deadline = time.monotonic() + 180
                while True:
                    try:
                        if client.get("/readyz").status_code == 200:
                            break
                    except httpx.TransportError:
                        pass
                    if time.monotonic() > deadline:
                        raise SystemExit("server did not become ready")
                    time.sleep(0.5)
                docs = client.post("/v1/search", json={"query": "warm up"}).json()
                assert docs["results"], "empty store"
                latencies = []
                for n in range(args.requests):
                    start = time.perf_counter()
                    r = client.post("/v1/search", json={"query": queries[n % len(queries)]})
                    latencies.append((time.perf_counter() - start) * 1000)
                    r.raise_for_status()
        finally:
            server.terminate()
            server.wait(timeout=30)
    print(f"requests: {len(latencies)} sequential, {len(queries)} distinct queries, top_k=5")
    print(
        f"/v1/search p50: {percentile(latencies, 50):.1f} ms  p95: "
        f"{percentile(latencies, 95):.1f} ms  max: {max(latencies):.1f} ms"
    )


if __name__ == "__main__":
    main()
