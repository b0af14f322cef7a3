"""Fixtures of the HTTP tests."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from app.api.app import create_app
from app.services import Services
from bench.support.fake_llm import FakeLLM
from bench.support.server import serve


@pytest.fixture
def service(
    sample_services: Callable[..., Services], fake_llm: tuple[FakeLLM, str]
) -> Iterator[tuple[FakeLLM, str, Services]]:
    """The service on the sample corpus with the stand-in LLM: (llm, root URL, services)."""
    state, llm_url = fake_llm
    services = sample_services(base_url=llm_url, model="fake-model")
    with serve(create_app(services.settings, services)) as url:
        yield state, url, services
