"""POST /v1/feedback over real HTTP on SQLite and PostgreSQL: the contract front ends use."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from app.api.app import create_app
from app.core.settings import AccessSettings
from app.services import Services
from tests.support.backends import database
from tests.support.server import serve

pytestmark = pytest.mark.integration
SOURCES = [
    {"source": "weth.md", "title": "Wrapped Ether", "url": "https://weth.io", "score": 0.9},
    {"source": "uniswap.md", "title": "Uniswap"},
]


@pytest.fixture(params=["sqlite", "postgresql"])
def api(
    request: pytest.FixtureRequest, tmp_path: Path, services_factory: Callable[..., Services]
) -> Iterator[tuple[str, Services]]:
    """The service with keys required, its SQL store on the backend under test."""
    with database(request.param, tmp_path / "sql") as url:
        services = services_factory(access=AccessSettings(database_url=url, require_api_key=True))
        with serve(create_app(services.settings, services)) as base:
            yield base, services


def _post(url: str, secret: str | None, body: object) -> httpx.Response:
    headers = {"X-API-Key": secret} if secret else {}
    return httpx.post(f"{url}/v1/feedback", json=body, headers=headers, timeout=60)


def test_feedback_is_stored_with_its_answer_sources_and_session(
    api: tuple[str, Services],
) -> None:
    url, services = api
    key, secret = services.keys.create("web page", ["chat"])
    chat = httpx.post(
        f"{url}/v1/chat", json={"message": "What is WETH?"}, headers={"X-API-Key": secret}
    )
    sid = chat.json()["session_id"]
    body = {
        "rating": "down",
        "comment": "It named the wrong contract.",
        "session_id": sid,
        "question": "What is WETH?",
        "answer": chat.json()["answer"],
        "sources": SOURCES,
    }
    created = _post(url, secret, body)
    assert created.status_code == 201
    assert set(created.json()) == {"id"}
    minimal = _post(url, secret, {"rating": "up", "question": "q\x00?", "answer": "a"})
    assert minimal.status_code == 201
    stored = services.feedback.list()
    assert [f.id for f in stored] == [created.json()["id"], minimal.json()["id"]]
    first = stored[0]
    assert (first.rating, first.comment, first.session_id, first.owner) == (
        "down",
        "It named the wrong contract.",
        sid,
        key.key_id,
    )
    assert first.question == "What is WETH?" and first.answer == chat.json()["answer"]
    assert first.sources == [
        {"source": "weth.md", "title": "Wrapped Ether", "url": "https://weth.io"},
        {"source": "uniswap.md", "title": "Uniswap"},
    ]
    assert first.created_at is not None
    assert stored[1].question == "q?" and stored[1].sources == [] and stored[1].session_id is None
    assert services.feedback.list(limit=1) == stored[:1]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"rating": "meh"}, "rating"),
        ({"comment": "x" * 2001}, "comment"),
        ({"question": ""}, "question"),
        ({"answer": None}, "answer"),
        ({"sources": [{"source": "a.md"}]}, "sources.0.title"),
        ({"session_id": "no spaces allowed"}, "session_id"),
        ({"stars": 5}, "stars"),
    ],
)
def test_invalid_feedback_is_a_422_in_the_error_shape(
    api: tuple[str, Services], change: dict[str, object], field: str
) -> None:
    url, services = api
    _, secret = services.keys.create("bot", ["chat"])
    body = {"rating": "up", "question": "q", "answer": "a", **change}
    r = _post(url, secret, body)
    assert r.status_code == 422
    assert r.json()["error"]["code"] == "invalid_request"
    assert field in r.json()["error"]["message"]
    assert services.feedback.list() == []


def test_feedback_needs_a_chat_key_and_the_callers_own_session(
    api: tuple[str, Services],
) -> None:
    url, services = api
    _, alice = services.keys.create("alice", ["chat"])
    _, bob = services.keys.create("bob", ["chat"])
    _, analyst = services.keys.create("analyst", ["search"])
    body = {"rating": "up", "question": "q", "answer": "a"}
    assert _post(url, None, body).status_code == 401
    assert _post(url, analyst, body).status_code == 403
    chat = httpx.post(
        f"{url}/v1/chat", json={"message": "What is WETH?"}, headers={"X-API-Key": alice}
    )
    sid = chat.json()["session_id"]
    for session_id in (sid, "user-42"):
        r = _post(url, bob, {**body, "session_id": session_id})
        assert r.status_code == 404
        assert r.json()["error"]["code"] == "session_not_found"
    assert _post(url, alice, {**body, "session_id": sid}).status_code == 201
    assert [f.session_id for f in services.feedback.list()] == [sid]
