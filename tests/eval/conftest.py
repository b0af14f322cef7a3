"""Fixtures of the evaluation tests: the CI subset (the dev documents and the token cards of
eval/tokens/small.txt) ingested once per run, for the answer and the retrieval targets alike."""

from __future__ import annotations

import copy
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.core.settings import Settings, StoreSettings
from app.kb.embeddings import SentenceTransformerEmbedder
from app.services import Services, build_services
from tests.conftest import REPO, ingest
from tests.support.shared import built_once, outside_tests

DEV_DOCS = REPO / "eval" / "dev" / "docs"
SUBSET_QUESTIONS = [
    REPO / "eval" / "dev" / "questions.jsonl",
    REPO / "eval" / "tokens" / "questions-small.jsonl",
]


def _default_settings(data: Path) -> Settings:
    """Default settings on a scratch store in `data`, as app.eval.scratch builds them."""
    with outside_tests(data.parent):
        settings = copy.copy(Settings())
    settings.store = StoreSettings(data_dir=data, collection="eval")
    return settings


@pytest.fixture(scope="session")
def subset_data(
    tmp_path_factory: pytest.TempPathFactory, embedder: SentenceTransformerEmbedder
) -> Path:
    """A data dir holding the CI subset; never opened, only copied (like `sample_data`)."""

    def build(root: Path) -> None:
        cards = root / "cards"
        cards.mkdir()
        for stem in (REPO / "eval" / "tokens" / "small.txt").read_text().split():
            shutil.copy(REPO / "eval" / "tokens" / "docs" / f"{stem}.md", cards)
        services = build_services(_default_settings(root / "data"), embedder=embedder)
        try:
            report = ingest(services, DEV_DOCS, cards)
        finally:
            services.close()
        assert not report.failed, report

    return built_once(tmp_path_factory, "eval-subset", build) / "data"


@pytest.fixture(scope="session")
def subset_services(
    tmp_path_factory: pytest.TempPathFactory,
    embedder: SentenceTransformerEmbedder,
    subset_data: Path,
) -> Iterator[Services]:
    """Default settings over this worker's copy of the CI subset."""
    data = tmp_path_factory.mktemp("eval-subset") / "data"
    shutil.copytree(subset_data, data)
    services = build_services(_default_settings(data), embedder=embedder)
    yield services
    services.close()
