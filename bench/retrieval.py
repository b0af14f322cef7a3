"""Retrieval quality on the full dev set, and the grid that chose the fusion weights.

Usage (from the repo root):
    .venv/bin/python -m bench.retrieval            # product vs BM25 vs dense, per kind
    .venv/bin/python -m bench.retrieval --grid     # MRR@10 per kind for each weight setting
"""

from __future__ import annotations

import argparse
import itertools
import tempfile
from pathlib import Path

from app.core.settings import Settings, StoreSettings
from app.eval.retrieval import evaluate, format_table, load_questions
from app.kb.store import HybridWeights
from app.services import build_services
from bench.common import REPO
from ingest.pipeline import Pipeline

SHARED = REPO.parent / "shared" / "eval" / "dev"
CORPORA = [SHARED / "docs", REPO / "eval" / "tokens" / "docs"]
QUESTIONS = [SHARED / "questions.jsonl", REPO / "eval" / "tokens" / "questions.jsonl"]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--grid", action="store_true")
    args = parser.parse_args()
    questions = load_questions([q for q in QUESTIONS if q.exists()])
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(store=StoreSettings(data_dir=Path(tmp), collection="bench"))
        services = build_services(settings)
        try:
            report = Pipeline.from_services(services).ingest_paths(
                [c for c in CORPORA if c.exists()]
            )
            print(
                f"corpus: {report.documents} documents, {report.chunks} chunks; "
                f"{len(questions)} questions"
            )
            if not args.grid:
                print(format_table(evaluate(services, questions)))
                return
            print(f"{'dense':>5} {'sparse':>6} {'boost':>5} {'k':>3}  MRR@10 per kind")
            for dense, sparse, boost, k in itertools.product(
                (1.0,), (1.0, 1.5, 2.0, 3.0), (0.0, 1.0, 2.0), (10, 60)
            ):
                services.retriever.weights = HybridWeights(dense, sparse, boost, k)
                scores = evaluate(services, questions, methods=("cryptorag",))["cryptorag"]
                row = "  ".join(f"{kind}={s['mrr@10']:.3f}" for kind, s in scores.items())
                print(f"{dense:>5} {sparse:>6} {boost:>5} {k:>3}  {row}")
        finally:
            services.close()


if __name__ == "__main__":
    main()
