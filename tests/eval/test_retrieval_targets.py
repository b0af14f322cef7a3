"""The retrieval targets, asserted on the dev set CI can afford: the 18 dev documents with their
30 questions, plus the token-card subset listed in eval/tokens/small.txt."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from app.core.settings import Settings
from app.eval.retrieval import evaluate, load_questions, run
from app.kb.embeddings import SentenceTransformerEmbedder
from app.services import Services
from tests.eval.conftest import DEV_DOCS, SUBSET_QUESTIONS

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def results(subset_services: Services) -> dict[str, dict[str, dict[str, float]]]:
    return evaluate(subset_services, load_questions(SUBSET_QUESTIONS))


def test_beats_both_baselines_on_every_kind(
    results: dict[str, dict[str, dict[str, float]]],
) -> None:
    ours = results["cryptorag"]
    for kind, scores in ours.items():
        best = max(results["bm25"][kind]["mrr@10"], results["dense"][kind]["mrr@10"])
        assert scores["mrr@10"] >= best, (kind, scores, best)


def test_overall_and_address_targets(results: dict[str, dict[str, dict[str, float]]]) -> None:
    ours = results["cryptorag"]
    assert ours["all"]["mrr@10"] >= 0.90
    assert ours["address"]["hit@5"] >= 0.95
    assert ours["address"]["n"] >= 30
    assert ours["token-chain"]["n"] >= 30


def test_run_ingests_the_corpora_and_scores_every_method(
    tmp_path: Path, embedder: SentenceTransformerEmbedder
) -> None:
    """`run` (what `cryptorag eval retrieval` calls) on two documents and three questions."""
    docs = tmp_path / "docs"
    docs.mkdir()
    for name in ("balancer.md", "flash-loans.md"):
        shutil.copy(DEV_DOCS / name, docs / name)
    questions = tmp_path / "q.jsonl"
    lines = SUBSET_QUESTIONS[0].read_text("utf-8").splitlines()[:3]  # gold: those two documents
    questions.write_text("\n".join(lines) + "\n", "utf-8")
    results = run(Settings(), [docs], [questions], embedder=embedder)
    assert set(results) == {"cryptorag", "bm25", "dense"}
    for method, by_kind in results.items():
        assert by_kind["all"]["n"] == 3, method
        assert by_kind["all"]["hit@5"] == 1.0, (method, by_kind["all"])
