"""/v1/search latency over HTTP, against a server in its own process.

Usage (from the repo root):
    .venv/bin/python -m bench.search             # the sample corpus
    .venv/bin/python -m bench.search --tokens    # plus the 1,290 token cards (~1,300 documents)
"""

from __future__ import annotations

import argparse
import json
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from bench.common import REPO, percentile

QUESTIONS = REPO / "eval" / "dev" / "questions.jsonl"
TOKEN_QUESTIONS = REPO / "eval" / "tokens" / "questions.jsonl"
TOKEN_CARDS = REPO / "eval" / "tokens" / "docs"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_ready(client: httpx.Client) -> None:
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        try:
            if client.get("/readyz").status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.5)
    raise SystemExit("server did not become ready")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--tokens", action="store_true", help="add the token-card dev set")
    args = parser.parse_args()
    files = [QUESTIONS, TOKEN_QUESTIONS] if args.tokens else [QUESTIONS]
    queries = [json.loads(line)["q"] for f in files for line in f.read_text().splitlines() if line]
    random.Random(1).shuffle(queries)
    cli = str(Path(sys.executable).parent / "cryptorag")
    port = _free_port()
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "CRYPTORAG_DATA_DIR": tmp, "HF_HUB_OFFLINE": "1"}
        if args.tokens:
            corpora = [str(REPO / "samples" / "corpus"), str(TOKEN_CARDS)]
            subprocess.run(
                [cli, "ingest", "--no-progress", *corpora],
                env=env,
                check=True,
                stdout=subprocess.DEVNULL,
            )
        server = subprocess.Popen(
            [cli, "serve", "--seed-sample", "--port", str(port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
                _wait_ready(client)
                stats = client.post("/v1/search", json={"query": "warm up"}).json()
                assert stats["results"], "empty store"
                latencies = []
                for n in range(args.requests):
                    start = time.perf_counter()
                    r = client.post("/v1/search", json={"query": queries[n % len(queries)]})
                    latencies.append((time.perf_counter() - start) * 1000)
                    r.raise_for_status()
        finally:
            server.terminate()
            server.wait(timeout=30)
    corpus = "sample corpus + token cards" if args.tokens else "sample corpus"
    print(
        f"{len(latencies)} sequential requests over the {corpus}, "
        f"{len(queries)} distinct queries, top_k=5"
    )
    print(
        f"/v1/search p50: {percentile(latencies, 50):.1f} ms  p95: "
        f"{percentile(latencies, 95):.1f} ms  max: {max(latencies):.1f} ms"
    )


if __name__ == "__main__":
    main()
