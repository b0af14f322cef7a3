"""Shared fixtures: the real embedder once per session, settings on a temporary data dir."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

from app.core.settings import (
    AccessSettings,
    APISettings,
    ChainSettings,
    EmbeddingSettings,
    LLMSettings,
    Settings,
    StoreSettings,
)
from app.kb.embeddings import SentenceTransformerEmbedder
from app.services import Services, build_services

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "samples" / "corpus"
SHARED_EVAL = REPO.parent / "shared" / "eval" / "dev"


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No CRYPTORAG_* variable or .env of the developer's leaks into a test."""
    for key in list(os.environ):
        if key.startswith("CRYPTORAG_"):
            monkeypatch.delenv(key)
    monkeypatch.chdir(tmp_path)


@pytest.fixture(scope="session")
def embedder() -> SentenceTransformerEmbedder:
    """The real default model, loaded once."""
    return SentenceTransformerEmbedder("sentence-transformers/all-MiniLM-L6-v2")


@pytest.fixture
def make_settings(tmp_path: Path) -> Callable[..., Settings]:
    """Settings on a temporary data dir; keyword arguments override LLM settings."""

    def _make(
        access: AccessSettings | None = None, chains: ChainSettings | None = None, **llm: Any
    ) -> Settings:
        return Settings(
            store=StoreSettings(data_dir=tmp_path / "data"),
            embedding=EmbeddingSettings(),
            llm=LLMSettings(**llm),
            chains=chains,
            api=APISettings(),
            access=access,
        )

    return _make


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    """A writable copy of the bundled sample corpus."""
    target = tmp_path / "corpus"
    shutil.copytree(SAMPLE, target)
    return target


@pytest.fixture
def services_factory(
    make_settings: Callable[..., Settings], embedder: SentenceTransformerEmbedder
) -> Iterator[Callable[..., Services]]:
    """Build services on the real model and an embedded store; closed after the test."""
    built: list[Services] = []

    def _build(
        access: AccessSettings | None = None, chains: ChainSettings | None = None, **llm: Any
    ) -> Services:
        services = build_services(make_settings(access, chains, **llm), embedder=embedder)
        built.append(services)
        return services

    yield _build
    for s in built:
        s.close()


def ingest(services: Services, *paths: Path) -> Any:
    """Run the real pipeline over paths."""
    from ingest.pipeline import Pipeline

    return Pipeline.from_services(services).ingest_paths(list(paths))


@pytest.fixture(scope="session")
def chain() -> Iterator[tuple[str, dict[str, str]]]:
    """A real chain for the session: anvil (chain id 1) with the fixture contracts deployed."""
    from tests.support.anvil import anvil, deploy_fixtures

    with anvil(chain_id=1) as url:
        yield url, deploy_fixtures(url)


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny random chat model saved like a real base model (tests/support/tiny_model.py)."""
    from tests.support.tiny_model import tiny_base

    return tiny_base(tmp_path_factory.mktemp("tiny-base"))


@pytest.fixture(scope="session")
def tiny_adapter(tmp_path_factory: pytest.TempPathFactory, tiny_model: Path) -> Path:
    """A LoRA run of a few steps on the tiny model; the folder with adapter, curve and config."""
    from finetune.training.lora import LoraOptions, train
    from finetune.training.tiny import demo_chat_dataset as chat_dataset

    data = chat_dataset(tmp_path_factory.mktemp("chat-data"))
    out = tmp_path_factory.mktemp("lora-run")
    options = LoraOptions(
        rank=8,
        alpha=16,
        epochs=3,
        learning_rate=5e-3,
        batch_size=6,
        max_length=256,
        modules_to_save=["lm_head"],  # untied head of a random base: lets it learn
    )
    train(data, str(tiny_model), out, options)
    return out


@pytest.fixture(params=["sqlite", "postgresql"])
def sql_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Any]:
    """The service's SQL schema, migrated, on SQLite and on the PostgreSQL the machines run."""
    from sqlalchemy import create_engine

    from app.core.migrations import upgrade
    from tests.support.backends import database

    with database(request.param, tmp_path / "db") as url:
        built = create_engine(url)
        upgrade(built)
        yield built
        built.dispose()


@pytest.fixture
def fake_llm() -> Iterator[tuple[Any, str]]:
    """The stand-in OpenAI-compatible model on loopback (its state), and its base URL."""
    from tests.support.fake_llm import FakeLLM, build_app
    from tests.support.server import serve

    state = FakeLLM()
    with serve(build_app(state)) as url:
        yield state, url + "/v1"
