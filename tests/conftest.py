"""Shared fixtures: the real embedder once per session, settings on a temporary data dir, and
the sample corpus ingested once per session and copied per test.

Tests are marked `integration` by what they use (tests/support/integration.py): a unit run
(`make unit`) never loads the model, starts anvil or chromium, or reaches PostgreSQL or Redis.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from app.samples import CORPUS as SAMPLE

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
from app.kb import embeddings
from tests.support import integration
from tests.support.shared import built_once, outside_tests

if TYPE_CHECKING:  # app.services pulls in the store, web3 and langchain: imported when used
    from app.kb.embeddings import SentenceTransformerEmbedder
    from app.services import Services

REPO = Path(__file__).resolve().parents[1]
DEV_EVAL = REPO / "eval" / "dev"  # the dev questions, inside the repository
DATA = "data"  # the data dir of make_settings, under the test's tmp_path


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark `integration` every test that uses the model, anvil, chromium or PostgreSQL, and
    run the browser tests last."""
    for item in items:
        if not item.get_closest_marker("integration") and integration.needs_integration(item):
            item.add_marker(pytest.mark.integration)
    # Playwright's sync API keeps an event loop running in the process while its browser lives
    # (a session fixture), and asyncio.run then fails in any later test of that process. Last
    # in collection order, the browser modules are also the last that xdist hands each worker.
    items[:] = sorted(items, key=lambda item: item.nodeid.startswith("tests/web/"))


def _guarded(init: Callable[..., None], what: str) -> Callable[..., None]:
    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        integration.require(what)
        init(self, *args, **kwargs)

    return __init__


# Whatever path a test takes to the model or to a `cryptorag` process, an unmarked test fails.
embeddings.SentenceTransformerEmbedder.__init__ = _guarded(  # type: ignore[method-assign]
    embeddings.SentenceTransformerEmbedder.__init__, "the real embedding model"
)
embeddings.OnnxEmbedder.__init__ = _guarded(  # type: ignore[method-assign]
    embeddings.OnnxEmbedder.__init__, "the real embedding model"
)
_popen_init = subprocess.Popen.__init__


def _popen(self: Any, args: Any, *rest: Any, **kwargs: Any) -> None:
    integration.guard_process(args)
    _popen_init(self, args, *rest, **kwargs)


subprocess.Popen.__init__ = _popen  # type: ignore[method-assign]


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item) -> Iterator[None]:
    """Arm the integration guard for the whole of an unmarked test, setup and teardown."""
    integration.enter(item)
    try:
        return (yield)
    finally:
        integration.leave()


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
    return embeddings.SentenceTransformerEmbedder("sentence-transformers/all-MiniLM-L6-v2")


@pytest.fixture
def make_settings(tmp_path: Path) -> Callable[..., Settings]:
    """Settings on a temporary data dir; keyword arguments override LLM settings."""

    def _make(
        access: AccessSettings | None = None, chains: ChainSettings | None = None, **llm: Any
    ) -> Settings:
        return Settings(
            store=StoreSettings(data_dir=tmp_path / DATA),
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
    from app.services import build_services

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
def sample_data(
    tmp_path_factory: pytest.TempPathFactory, embedder: SentenceTransformerEmbedder
) -> Path:
    """A data dir (store and SQL schema) holding the sample corpus, ingested once per run.

    Never opened by a test: `sample_services` copies it, which costs far less than embedding
    the corpus again. Under xdist the first worker builds it and the others wait for it
    (tests/support/shared.py). Its documents are keyed by the run's copy of the corpus."""
    from app.services import build_services

    def build(root: Path) -> None:
        shutil.copytree(SAMPLE, root / "corpus")
        with outside_tests(root):
            settings = Settings(
                store=StoreSettings(data_dir=root / DATA),
                embedding=EmbeddingSettings(),
                llm=LLMSettings(),
                api=APISettings(),
            )
            services = build_services(settings, embedder=embedder)
            try:
                report = ingest(services, root / "corpus")
            finally:
                services.close()
        assert not report.skipped and not report.failed, report

    return built_once(tmp_path_factory, "sample-store", build) / DATA


@pytest.fixture
def sample_services(
    services_factory: Callable[..., Services], sample_data: Path, tmp_path: Path
) -> Callable[..., Services]:
    """Like services_factory, on a copy of `sample_data`: the sample corpus already ingested.

    Use it instead of `services_factory()` followed by `ingest(services, corpus)`; ingesting
    more on top (a card, a feed item) works as on a fresh store."""

    def _build(
        access: AccessSettings | None = None, chains: ChainSettings | None = None, **llm: Any
    ) -> Services:
        target = tmp_path / DATA
        if target.exists():
            raise RuntimeError(f"{target} exists: one sample_services per test")
        shutil.copytree(sample_data, target)
        return services_factory(access, chains, **llm)

    return _build


@pytest.fixture(scope="session")
def chain() -> Iterator[tuple[str, dict[str, str]]]:
    """A real chain for the session: anvil (chain id 1) with the fixture contracts deployed."""
    from bench.support.anvil import anvil, deploy_fixtures

    with anvil(chain_id=1) as url:
        yield url, deploy_fixtures(url)


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny random chat model saved like a real base model (tests/support/tiny_model.py);
    made once per run, read only."""
    from tests.support.tiny_model import tiny_base

    return built_once(tmp_path_factory, "tiny-base", tiny_base)


@pytest.fixture(scope="session")
def tiny_adapter(tmp_path_factory: pytest.TempPathFactory, tiny_model: Path) -> Path:
    """A LoRA run of a few steps on the tiny model; the folder with adapter, curve and config,
    trained once per run, read only."""
    from finetune.training.lora import LoraOptions, train
    from finetune.training.tiny import demo_chat_dataset as chat_dataset

    options = LoraOptions(
        rank=8,
        alpha=16,
        epochs=3,
        learning_rate=5e-3,
        batch_size=6,
        max_length=256,
        modules_to_save=["lm_head"],  # untied head of a random base: lets it learn
    )

    def build(root: Path) -> None:
        (root / "run").mkdir()
        train(chat_dataset(root / "chat-data"), str(tiny_model), root / "run", options)

    return built_once(tmp_path_factory, "lora-run", build) / "run"


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
    from bench.support.fake_llm import FakeLLM, build_app
    from bench.support.server import serve

    state = FakeLLM()
    with serve(build_app(state)) as url:
        yield state, url + "/v1"
