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
import tempfile
import time

import httpx

from app.eval.metrics import percentile
from bench.common import REPO, UNLIMITED, ingest_sample_and_cards, serve_cli

QUESTIONS = REPO / "eval" / "dev" / "questions.jsonl"
TOKEN_QUESTIONS = REPO / "eval" / "tokens" / "questions.jsonl"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--tokens", action="store_true", help="add the token-card dev set")
    parser.add_argument("--rate-limit", default=UNLIMITED, help="the service's rate limit")
    args = parser.parse_args()
    files = [QUESTIONS, TOKEN_QUESTIONS] if args.tokens else [QUESTIONS]
    queries = [json.loads(line)["q"] for f in files for line in f.read_text().splitlines() if line]
    random.Random(1).shuffle(queries)
    with tempfile.TemporaryDirectory() as tmp:
        env = {
            **os.environ,
            "CRYPTORAG_DATA_DIR": tmp,
            "CRYPTORAG_RATE_LIMIT": args.rate_limit,
            "HF_HUB_OFFLINE": "1",
        }
        if args.tokens:
            ingest_sample_and_cards(env)
        with serve_cli(env) as base, httpx.Client(base_url=base, timeout=30) as client:
            stats = client.post("/v1/search", json={"query": "warm up"}).json()
            assert stats["results"], "empty store"
            latencies = []
            for n in range(args.requests):
                start = time.perf_counter()
                r = client.post("/v1/search", json={"query": queries[n % len(queries)]})
                latencies.append((time.perf_counter() - start) * 1000)
                r.raise_for_status()
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
