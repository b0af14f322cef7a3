"""A stand-in model that never stops, or sends 1.5 million characters at once, is cut at the
output cap on all four answer routes, and what a session stores is the capped answer."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from app.api.app import create_app
from app.rag.outputcap import CUT_WARNING
from app.services import Services
from bench.support.fake_llm import FakeLLM
from bench.support.server import serve
from tests.conftest import ingest
from tests.support.answer_routes import ROUTES, ask

pytestmark = pytest.mark.integration
CAP = 2_000
NOTE = "reached the limit of 2,000 characters"
SLACK = 200  # the note, and what the output checks may add around the model's text


@pytest.fixture
def capped_service(
    services_factory: Callable[..., Services], corpus: Path, fake_llm: tuple[FakeLLM, str]
) -> Iterator[tuple[FakeLLM, str, Services]]:
    """The service with a small output cap in front of the stand-in model."""
    state, llm_url = fake_llm
    services = services_factory(base_url=llm_url, model="fake-model", max_output_chars=CAP)
    ingest(services, corpus / "weth.md")
    with serve(create_app(services.settings, services)) as url:
        yield state, url, services


@pytest.mark.parametrize("route", ROUTES)
def test_an_endless_answer_is_cut_at_the_cap(
    capped_service: tuple[FakeLLM, str, Services], route: str
) -> None:
    state, url, services = capped_service
    state.endless = True
    state.default_reply = "WETH wraps ether one to one. " * 20
    text, meta = ask(url, route, "What is WETH?")
    assert CAP <= len(text) < CAP + SLACK and NOTE in text
    assert text.startswith("WETH wraps ether one to one.")
    assert CUT_WARNING.format(limit=CAP) in list(meta.get("warnings") or [])  # type: ignore[call-overload]
    # The service stopped reading: the model's endless stream was closed, not drained.
    assert state.stream_closed.wait(timeout=30)
    if route.startswith("chat"):
        session_id = str(meta["session_id"])
        _, stored = services.sessions.history(session_id, None)[-1]
        assert stored == text


def test_one_huge_chunk_is_cut_and_stored_capped(
    capped_service: tuple[FakeLLM, str, Services],
) -> None:
    state, url, services = capped_service
    state.default_reply = "A" * 1_500_000
    text, meta = ask(url, "chat", "What is WETH?")
    assert len(text) < CAP + SLACK and NOTE in text
    stored = services.sessions.history(str(meta["session_id"]), None)
    assert [len(t) for _, t in stored] == [len("What is WETH?"), len(text)]
