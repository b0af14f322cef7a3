"""The answer targets, asserted on the CI subset (the dev documents and questions, and the
token cards of eval/tokens/small.txt with their questions), extractive mode."""

from __future__ import annotations

import pytest

from app.eval.answers import Results, evaluate, load_questions
from app.services import Services
from tests.eval.conftest import SUBSET_QUESTIONS

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def results(subset_services: Services) -> Results:
    summary, _ = evaluate(subset_services, load_questions(SUBSET_QUESTIONS))
    return {"extractive": summary}


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
