"""The answer targets, asserted on the CI subset (the dev documents and questions, and the
token cards of eval/tokens/small.txt with their questions), extractive mode."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from app.core.settings import Settings
from app.eval.answers import Results, run
from app.kb.embeddings import SentenceTransformerEmbedder

pytestmark = pytest.mark.integration
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def results(
    tmp_path_factory: pytest.TempPathFactory, embedder: SentenceTransformerEmbedder
) -> Results:
    cards = tmp_path_factory.mktemp("cards")
    for stem in (REPO / "eval" / "tokens" / "small.txt").read_text().split():
        shutil.copy(REPO / "eval" / "tokens" / "docs" / f"{stem}.md", cards)
    found, _ = run(
        {"extractive": Settings()},
        [REPO / "eval" / "dev" / "docs", cards],
        [
            REPO / "eval" / "dev" / "questions.jsonl",
            REPO / "eval" / "tokens" / "questions-small.jsonl",
        ],
        embedder=embedder,
    )
    return found


def test_facts_coverage_targets(results: Results) -> None:
    ours = results["extractive"]
    assert ours["all"]["n"] == 90 and ours["address"]["n"] >= 30
    assert ours["all"]["facts"] >= 0.90, ours["all"]
    assert ours["address"]["facts"] >= 0.95, ours["address"]


def test_no_unsourced_address_and_every_citation_listed(results: Results) -> None:
    for kind, scores in results["extractive"].items():
        assert scores["unverified"] == 0, (kind, scores)
        assert scores["citations_valid"] == 1.0, (kind, scores)
        assert scores["extractive"] == scores["n"], (kind, scores)
