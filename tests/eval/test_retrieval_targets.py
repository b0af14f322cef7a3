"""The retrieval targets, asserted on the dev set CI can afford: the 18 dev documents with their
30 questions, plus the token-card subset listed in eval/tokens/small.txt."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from app.core.settings import Settings
from app.eval.retrieval import run
from app.kb.embeddings import SentenceTransformerEmbedder

pytestmark = pytest.mark.integration
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def results(
    tmp_path_factory: pytest.TempPathFactory, embedder: SentenceTransformerEmbedder
) -> dict[str, dict[str, dict[str, float]]]:
    cards = tmp_path_factory.mktemp("cards")
    for stem in (REPO / "eval" / "tokens" / "small.txt").read_text().split():
        shutil.copy(REPO / "eval" / "tokens" / "docs" / f"{stem}.md", cards)
    return run(
        Settings(),
        [REPO / "eval" / "dev" / "docs", cards],
        [
            REPO / "eval" / "dev" / "questions.jsonl",
            REPO / "eval" / "tokens" / "questions-small.jsonl",
        ],
        embedder=embedder,
    )


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
