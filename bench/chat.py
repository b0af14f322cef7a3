"""/v1/chat against /v1/search on the same questions, in one run against one server.

Each question goes, one after another, through POST /v1/search, POST /v1/chat and POST /v1/chat
with `stream: true` (extractive mode: no language model), so load on the machine hits the three
alike. Prints p50/p90 of each, the time to the first streamed event, and the ratios the targets
are written in (chat p50 / search p50; first event minus search p50).

Usage (from the repo root):
    .venv/bin/python -m bench.chat                # the sample corpus, its dev questions
    .venv/bin/python -m bench.chat --tokens       # plus the 1,290 token cards and their questions
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
TOKEN_QUESTIONS = REPO / "eval" / "tokens" / "questions-small.jsonl"


def _streamed(client: httpx.Client, question: str) -> tuple[float, float, str]:
    """Milliseconds to the first event and to the end, and the first event's name."""
    start = time.perf_counter()
    first_ms, first = 0.0, ""
    body = {"message": question, "stream": True}
    with client.stream("POST", "/v1/chat", json=body) as r:
        r.raise_for_status()
        for line in r.iter_lines():
            if line.startswith("event:") and not first:
                first_ms, first = (time.perf_counter() - start) * 1000, line[6:].strip()
    return first_ms, (time.perf_counter() - start) * 1000, first


def _row(name: str, values: list[float]) -> str:
    return (
        f"{name:<28} p50 {percentile(values, 50):7.1f} ms  p90 {percentile(values, 90):7.1f} ms"
        f"  max {max(values):7.1f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=0, help="questions asked (0: each once)")
    parser.add_argument("--tokens", action="store_true", help="add the token cards and questions")
    args = parser.parse_args()
    files = [QUESTIONS, TOKEN_QUESTIONS] if args.tokens else [QUESTIONS]
    queries = [json.loads(line)["q"] for f in files for line in f.read_text().splitlines() if line]
    random.Random(1).shuffle(queries)
    n = args.requests or len(queries)
    with tempfile.TemporaryDirectory() as tmp:
        env = {
            **os.environ,
            "CRYPTORAG_DATA_DIR": tmp,
            "CRYPTORAG_RATE_LIMIT": UNLIMITED,
            "CRYPTORAG_LOG_LEVEL": "WARNING",
            "HF_HUB_OFFLINE": "1",
        }
        env.pop("CRYPTORAG_LLM_BASE_URL", None)  # extractive answers
        if args.tokens:
            ingest_sample_and_cards(env)
        search: list[float] = []
        chat: list[float] = []
        first: list[float] = []
        whole: list[float] = []
        names: set[str] = set()
        with serve_cli(env) as base, httpx.Client(base_url=base, timeout=60) as client:
            client.post("/v1/search", json={"query": "warm up"}).raise_for_status()
            client.post("/v1/chat", json={"message": "warm up"}).raise_for_status()
            for i in range(n):
                q = queries[i % len(queries)]
                start = time.perf_counter()
                client.post("/v1/search", json={"query": q}).raise_for_status()
                search.append((time.perf_counter() - start) * 1000)
                start = time.perf_counter()
                client.post("/v1/chat", json={"message": q}).raise_for_status()
                chat.append((time.perf_counter() - start) * 1000)
                first_ms, total_ms, name = _streamed(client, q)
                first.append(first_ms)
                whole.append(total_ms)
                names.add(name)
    corpus = "sample corpus + token cards" if args.tokens else "sample corpus"
    print(f"{n} questions over the {corpus} ({len(queries)} distinct), one client, extractive")
    print(_row("POST /v1/search", search))
    print(_row("POST /v1/chat", chat))
    print(_row("streamed: first event", first) + f"  ({', '.join(sorted(names))})")
    print(_row("streamed: whole answer", whole))
    s50 = percentile(search, 50)
    print(
        f"chat p50 / search p50: {percentile(chat, 50) / s50:.2f}x (target <= 3x); "
        f"first event - search p50: {percentile(first, 50) - s50:+.1f} ms (target <= +15 ms)"
    )


if __name__ == "__main__":
    main()
