"""Retrieval quality on the full dev set, and the grid that chose the fusion weights.

Usage (from the repo root):
    .venv/bin/python -m bench.retrieval            # product vs BM25 vs dense, per kind
    .venv/bin/python -m bench.retrieval --grid     # MRR@10 per kind for each weight setting
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from app.core.settings import Settings, StoreSettings
from app.eval.retrieval import evaluate, format_table, load_questions
from app.kb.store import HybridWeights
from app.services import build_services
from bench.common import REPO
from ingest.pipeline import Pipeline

DEV = REPO / "eval" / "dev"
CORPORA = [DEV / "docs", REPO / "eval" / "tokens" / "docs"]
QUESTIONS = [DEV / "questions.jsonl", REPO / "eval" / "tokens" / "questions.jsonl"]


# Fusion settings tried: plain weights with and without the chain boost and k, then the weights
# of keyword queries (dense, sparse) around the chosen point.
GRID = [
    *(
        HybridWeights(
            dense=1.0,
            sparse=sparse,
            keyword_dense=kd,
            keyword_sparse=ks,
            sparse_min_score=floor,
            boost=1.0,
            rrf_k=10,
        )
        for sparse in (1.0, 1.5)
        for floor in (0.0, 1.0)
        for kd, ks in ((1.0, 1.0), (0.1, 2.0), (0.25, 1.5))
    ),
    # Qdrant's weighted RRF scores 1 / ((rank + 1) / weight + k - 1): a large k flattens what
    # the weights can do at the top of the lists, so smaller k was tried next.
    *(
        HybridWeights(
            dense=1.0,
            sparse=1.0,
            keyword_dense=kd,
            keyword_sparse=ks,
            sparse_min_score=1.0,
            boost=1.0,
            rrf_k=k,
        )
        for k in (1, 2, 5)
        for kd, ks in ((1.0, 1.0), (0.1, 2.0))
    ),
]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--grid", action="store_true")
    parser.add_argument("--skip", type=int, default=0, help="skip the first N grid rows")
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
            print("sparse floor kw_dense kw_sparse   k  MRR@10 per kind")
            for weights in GRID[args.skip :]:
                services.retriever.weights = weights
                scores = evaluate(services, questions, methods=("cryptorag",))["cryptorag"]
                row = "  ".join(f"{kind}={s['mrr@10']:.3f}" for kind, s in scores.items())
                w = weights
                print(
                    f"{w.sparse:>6} {w.sparse_min_score:>5} {w.keyword_dense:>8} "
                    f"{w.keyword_sparse:>9} {w.rrf_k:>3}  {row}",
                    flush=True,
                )
        finally:
            services.close()


if __name__ == "__main__":
    main()
