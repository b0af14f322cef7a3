"""/v1/chat latency with the address block and the new extractive answer, against the old path.

Both paths run in one server process over the same store, request by request in turn, so load
on the machine hits both alike. The old path is the extractive answer of the baseline commit
(loaded from git) with no address block; the new one is the working tree's.

Usage (from the repo root):
    .venv/bin/python -m bench.answers                  # sample corpus + the CI token cards
    .venv/bin/python -m bench.answers --requests 400 --baseline d2a5793^
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import tempfile
import time
import types
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from app.eval.metrics import percentile
from bench.common import REPO, SAMPLE, UNLIMITED
from bench.support.server import serve

QUESTIONS = [
    REPO / "eval" / "dev" / "questions.jsonl",
    REPO / "eval" / "tokens" / "questions-small.jsonl",
]
CARDS = REPO / "eval" / "tokens" / "docs"
# The commit before the address block (d2a5793 added it).
BASELINE = "d2a5793^"


def old_module(commit: str, path: str) -> types.ModuleType:
    """A module as it was at a commit, importing today's neighbours."""
    source = subprocess.run(
        ["git", "show", f"{commit}:{path}"], cwd=REPO, check=True, capture_output=True, text=True
    ).stdout
    module = types.ModuleType("bench_old_" + Path(path).stem)
    exec(compile(source, f"{commit}:{path}", "exec"), module.__dict__)
    return module


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=180, help="per path")
    parser.add_argument("--baseline", default=BASELINE, help="commit of the old path")
    args = parser.parse_args()
    import app.rag.answer as answer_mod
    from app.api.app import create_app
    from app.core.settings import load_settings
    from app.services import build_services
    from ingest.pipeline import Pipeline

    old_extractive = old_module(args.baseline, "app/rag/extractive.py")
    old_onchain = old_module(args.baseline, "app/rag/onchain.py")
    questions = [
        json.loads(line)["q"] for f in QUESTIONS for line in f.read_text().splitlines() if line
    ]
    with tempfile.TemporaryDirectory() as tmp:
        cards = Path(tmp) / "cards"
        cards.mkdir()
        for stem in (REPO / "eval" / "tokens" / "small.txt").read_text().split():
            shutil.copy(CARDS / f"{stem}.md", cards)
        data = str(Path(tmp) / "data")
        settings = load_settings({"CRYPTORAG_RATE_LIMIT": UNLIMITED, "CRYPTORAG_DATA_DIR": data})
        services = build_services(settings)
        Pipeline.from_services(services).ingest_paths([SAMPLE, cards])
        new_onchain = services.answers.onchain
        assert new_onchain is not None
        old_facts = old_onchain.OnchainFacts(
            new_onchain.contracts, new_onchain.default_chain, new_onchain.limit
        )

        def old_extract(q: str, h: Any, s: Any, e: Any, p: Any, r: str, lead: str = "") -> str:
            return str(old_extractive.extractive_answer(q, h, s, e, p, r))

        def use_old() -> None:
            answer_mod.address_lead = lambda *a, **k: ""
            answer_mod.extractive_answer = old_extract  # type: ignore[assignment]
            services.answers.onchain = old_facts

        new_lead, new_extract = answer_mod.address_lead, answer_mod.extractive_answer

        def use_new() -> None:
            answer_mod.address_lead = new_lead
            answer_mod.extractive_answer = new_extract
            services.answers.onchain = new_onchain

        paths: dict[str, Callable[[], None]] = {"old": use_old, "new": use_new}
        latencies: dict[str, list[float]] = {name: [] for name in paths}
        try:
            with (
                serve(create_app(settings, services)) as base,
                httpx.Client(base_url=base, timeout=60) as client,
            ):
                for switch in paths.values():  # warm both paths
                    switch()
                    client.post("/v1/chat", json={"message": "warm up"}).raise_for_status()
                for n in range(args.requests):
                    question = questions[n % len(questions)]
                    for name, switch in paths.items():
                        switch()
                        start = time.perf_counter()
                        r = client.post("/v1/chat", json={"message": question})
                        latencies[name].append((time.perf_counter() - start) * 1000)
                        r.raise_for_status()
        finally:
            services.close()
    rows = {
        name: {
            "requests": len(values),
            "p50_ms": round(percentile(values, 50), 1),
            "p95_ms": round(percentile(values, 95), 1),
        }
        for name, values in latencies.items()
    }
    diffs = [b - a for a, b in zip(latencies["old"], latencies["new"], strict=True)]
    print(
        json.dumps(
            {
                "corpus": "sample corpus + 201 CI token cards",
                "questions": "eval/dev + eval/tokens/questions-small (90, cycled)",
                "baseline": args.baseline,
                "paths": rows,
                "added_p50_ms": round(rows["new"]["p50_ms"] - rows["old"]["p50_ms"], 1),
                "paired_diff_p50_ms": round(percentile(diffs, 50), 1),
            },
            indent=1,
        )
    )


if __name__ == "__main__":
    main()
