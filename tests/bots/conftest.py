"""Fixtures of the bot tests: the real service on loopback over the sample corpus."""

from __future__ import annotations

import shutil
import socket
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import NamedTuple

import pytest

from app.api.app import create_app
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
from bench.support.fake_llm import FakeLLM, build_app
from bench.support.server import serve


class Service(NamedTuple):
    """The service on loopback, its services (to read what it stored) and its stand-in model."""

    url: str
    services: Services
    llm: FakeLLM


@pytest.fixture(scope="package")
def shared_service(
    tmp_path_factory: pytest.TempPathFactory,
    embedder: SentenceTransformerEmbedder,
    sample_data: Path,
) -> Iterator[Service]:
    """One service for the package, on a copy of the session's sample store."""
    llm = FakeLLM()
    root = tmp_path_factory.mktemp("bots")
    shutil.copytree(sample_data, root / "data")
    with serve(build_app(llm)) as llm_url:
        # Every concern explicit: built before the per-test environment isolation applies.
        settings = Settings(
            store=StoreSettings(data_dir=root / "data", _env_file=None),
            embedding=EmbeddingSettings(_env_file=None),
            llm=LLMSettings(
                base_url=llm_url + "/v1", api_key="test", model="fake-model", _env_file=None
            ),
            chains=ChainSettings(rpc_urls={}, _env_file=None),
            api=APISettings(_env_file=None),
            access=AccessSettings(
                require_api_key=False, rate_limit="100000/minute", _env_file=None
            ),
        )
        services = build_services(settings, embedder=embedder)
        try:
            with serve(create_app(settings, services)) as url:
                yield Service(url, services, llm)
        finally:
            services.close()


@pytest.fixture
def service(shared_service: Service) -> Service:
    """The shared service with the stand-in model's queue and log emptied."""
    shared_service.llm.replies.clear()
    shared_service.llm.requests.clear()
    return shared_service


@pytest.fixture
def card_service(
    services_factory: Callable[..., Services], chain: tuple[str, dict[str, str]]
) -> Iterator[tuple[str, dict[str, str]]]:
    """The service reading a real local chain, and the fixture contracts' addresses."""
    rpc, addresses = chain
    services = services_factory(chains=ChainSettings(rpc_urls={"ethereum": rpc}))
    with serve(create_app(services.settings, services)) as url:
        yield url, addresses


@pytest.fixture
def closed_port_url() -> str:
    """A loopback URL nothing listens on: the service is down."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"
