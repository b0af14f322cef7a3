"""The fine-tuned local model served behind the same retriever, prompt, checks and routes."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from app.api.app import create_app
from app.core.errors import ConfigError
from app.services import Services
from bench.support.server import serve
from finetune.training.tiny import build_tiny_model, corpus_texts
from tests.support.answer_routes import ROUTES, ask
from tests.support.tiny_model import SAMPLE

pytestmark = pytest.mark.integration


def test_local_model_answers_on_every_route_with_sources(
    sample_services: Callable[..., Services], tiny_model: Path, tiny_adapter: Path
) -> None:
    services = sample_services(
        provider="local",
        local_model=tiny_model,
        local_adapter=tiny_adapter / "adapter",
        max_tokens=12,
        temperature=0,
    )
    with serve(create_app(services.settings, services)) as url:
        for route in ROUTES:
            text, meta = ask(url, route, "Can I turn cvxCRV back into CRV?")
            assert text.strip(), route  # the tiny model says something, through the checks
            if route.startswith("chat"):
                assert meta["mode"] == "llm", route
            sources = meta["sources"]
            assert sources and sources[0]["source"] == "convex.md", route  # type: ignore[index]


def test_a_missing_model_or_a_foreign_adapter_stops_the_start(
    services_factory: Callable[..., Services],
    tiny_model: Path,
    tiny_adapter: Path,
    tmp_path: Path,
) -> None:
    with pytest.raises(ConfigError, match=r"CRYPTORAG_LOCAL_MODEL=.*no model there"):
        services_factory(provider="local", local_model=tmp_path / "nowhere")
    other = build_tiny_model(tmp_path / "other-base", corpus_texts(SAMPLE), 512, hidden=32)
    with pytest.raises(ConfigError, match="does not fit CRYPTORAG_LOCAL_MODEL"):
        services_factory(
            provider="local", local_model=other, local_adapter=tiny_adapter / "adapter"
        )
