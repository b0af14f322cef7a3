"""Fixtures of the bot tests: the real service on loopback over the sample corpus."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import NamedTuple

import pytest

from app.api.app import create_app
from app.core.settings import ChainSettings
from app.services import Services
from tests.conftest import ingest
from tests.support.fake_llm import FakeLLM, build_app
from tests.support.server import serve


class Service(NamedTuple):
    """The service on loopback, its services (to read what it stored) and its stand-in model."""

    url: str
    services: Services
    llm: FakeLLM


@pytest.fixture
def service(services_factory: Callable[..., Services], corpus: Path) -> Iterator[Service]:
    """The real service over the sample corpus, answering with the stand-in model."""
    llm = FakeLLM()
    with serve(build_app(llm)) as llm_url:
        services = services_factory(base_url=llm_url + "/v1", api_key="test", model="fake-model")
        ingest(services, corpus)
        with serve(create_app(services.settings, services)) as url:
            yield Service(url, services, llm)


@pytest.fixture
def closed_port_url() -> str:
    """A loopback URL nothing listens on: the service is down."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


@pytest.fixture
def card_service(
    services_factory: Callable[..., Services], chain: tuple[str, dict[str, str]]
) -> Iterator[tuple[str, dict[str, str]]]:
    """The service reading a real local chain, and the fixture contracts' addresses."""
    rpc, addresses = chain
    services = services_factory(chains=ChainSettings(rpc_urls={"ethereum": rpc}))
    with serve(create_app(services.settings, services)) as url:
        yield url, addresses
