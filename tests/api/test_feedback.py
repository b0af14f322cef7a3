"""POST /v1/feedback over real HTTP on SQLite and PostgreSQL: the contract front ends use, bound
to answers the service gave in the caller's own session, limited per key (in Redis beside
PostgreSQL, as replicas share it)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.api.app import create_app
from app.core.settings import AccessSettings
from app.services import Services
from bench.support.server import serve
from tests.conftest import ingest
from tests.support.backends import database, redis_url

pytestmark = pytest.mark.integration
FEEDBACK_LIMIT = 4
SOURCES = [
    {"source": "weth.md", "title": "Wrapped Ether", "url": "https://weth.io", "score": 0.9},
    {"source": "uniswap.md", "title": "Uniswap"},
]


@pytest.fixture(params=["sqlite", "postgresql"])
def api(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    corpus: Path,
    services_factory: Callable[..., Services],
) -> Iterator[tuple[str, Services]]:
    """The service with keys required, its SQL store on the backend under test, one document."""
    storage = "memory://" if request.param == "sqlite" else redis_url()
    with database(request.param, tmp_path / "sql") as url:
        access = AccessSettings(
            database_url=url,
            require_api_key=True,
            feedback_rate_limit=f"{FEEDBACK_LIMIT}/hour",
            rate_limit_storage=storage,
        )
        services = services_factory(access=access)
        ingest(services, corpus / "weth.md")
        with serve(create_app(services.settings, services)) as base:
            yield base, services


def _post(url: str, secret: str | None, body: object) -> httpx.Response:
    headers = {"X-API-Key": secret} if secret else {}
    return httpx.post(f"{url}/v1/feedback", json=body, headers=headers, timeout=60)


def _chat(url: str, secret: str, message: str, session_id: str | None = None) -> dict[str, Any]:
    body = {"message": message} | ({"session_id": session_id} if session_id else {})
    reply = httpx.post(f"{url}/v1/chat", json=body, headers={"X-API-Key": secret}, timeout=120)
    assert reply.status_code == 200, reply.text
    answer: dict[str, Any] = reply.json()
    return answer


def _rating(chat: dict[str, Any], question: str, **extra: object) -> dict[str, object]:
    """A rating of a chat reply, as the page and the bots send it."""
    return {
        "rating": "up",
        "session_id": chat["session_id"],
        "question": question,
        "answer": chat["answer"],
        **extra,
    }


def test_feedback_is_stored_with_the_services_own_record_of_the_answer(
    api: tuple[str, Services],
) -> None:
    url, services = api
    key, secret = services.keys.create("web page", ["chat"])
    chat = _chat(url, secret, "What is WETH?")
    sid = chat["session_id"]
    shown = [
        {k: v for k, v in s.items() if k in ("source", "title", "url")} for s in chat["sources"]
    ]
    assert shown
    # The sources a client sends are ignored: the answer's own are stored.
    body = _rating(chat, "What is WETH?", rating="down", comment="Wrong.", sources=SOURCES)
    created = _post(url, secret, body)
    assert created.status_code == 201
    assert set(created.json()) == {"id"}
    follow = _chat(url, secret, "Who runs Uniswap?", sid)
    minimal = _post(url, secret, _rating(follow, "Who runs Uniswap?"))
    assert minimal.status_code == 201
    stored = services.feedback.list()
    assert [f.id for f in stored] == [created.json()["id"], minimal.json()["id"]]
    first = stored[0]
    assert (first.rating, first.comment, first.session_id, first.owner) == (
        "down",
        "Wrong.",
        sid,
        key.key_id,
    )
    assert first.question == "What is WETH?" and first.answer == chat["answer"]
    assert first.sources == shown
    assert first.created_at is not None and first.bound
    assert stored[1].question == "Who runs Uniswap?" and stored[1].answer == follow["answer"]
    assert services.feedback.list(limit=1) == stored[:1]
    # Rating the same answer again replaces the rating; no second row.
    again = _post(url, secret, _rating(chat, "What is WETH?", comment="Fine after all."))
    assert again.status_code == 201 and again.json() == created.json()
    latest = {f.id: (f.rating, f.comment) for f in services.feedback.list()}
    assert latest == {created.json()["id"]: ("up", "Fine after all."), stored[1].id: ("up", None)}


def test_a_rating_of_an_answer_never_given_is_refused(api: tuple[str, Services]) -> None:
    url, services = api
    _, secret = services.keys.create("web page", ["chat"])
    chat = _chat(url, secret, "What is WETH?")
    forged = "The official USDC contract is 0x5f3c000000000000000000000000000000000000."
    for change in (
        {"answer": forged},
        {"answer": chat["answer"] + " " + "x" * 200_000},
        {"answer": chat["answer"][:-1]},
        {"answer": "What is WETH?"},  # the question is not an answer
    ):
        r = _post(url, secret, _rating(chat, "What is WETH?", **change))
        assert r.status_code in (404, 422), r.text
        if r.status_code == 404:
            assert r.json()["error"]["code"] == "answer_not_found"
    unbound = _post(url, secret, {"rating": "up", "question": "q", "answer": chat["answer"]})
    assert unbound.status_code == 422 and "session_id" in unbound.json()["error"]["message"]
    assert services.feedback.list() == []


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
    body = {"rating": "up", "session_id": "s", "question": "q", "answer": "a", **change}
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
    chat = _chat(url, alice, "What is WETH?")
    body = _rating(chat, "What is WETH?")
    assert _post(url, None, body).status_code == 401
    assert _post(url, analyst, body).status_code == 403
    for session_id in (chat["session_id"], "user-42"):
        r = _post(url, bob, {**body, "session_id": session_id})
        assert r.status_code == 404
        assert r.json()["error"]["code"] == "session_not_found"
    assert _post(url, alice, body).status_code == 201
    assert [f.session_id for f in services.feedback.list()] == [chat["session_id"]]


def test_feedback_is_limited_per_key(api: tuple[str, Services]) -> None:
    url, services = api
    _, alice = services.keys.create("alice", ["chat"])
    _, bob = services.keys.create("bob", ["chat"])
    chat = _chat(url, alice, "What is WETH?")
    body = _rating(chat, "What is WETH?", comment="c" * 2000)
    codes = [_post(url, alice, body).status_code for _ in range(FEEDBACK_LIMIT)]
    assert codes == [201] * FEEDBACK_LIMIT
    over = _post(url, alice, body)
    assert over.status_code == 429 and over.json()["error"]["code"] == "rate_limited"
    assert int(over.headers["Retry-After"]) >= 1
    # Refused attempts count too: probing for answers costs the same quota.
    assert _post(url, alice, {**body, "answer": "never said"}).status_code == 429
    assert len(services.feedback.list()) == 1  # one answer, one rating
    # Another key has its own quota; chatting is not limited by the feedback quota.
    bobs = _chat(url, bob, "What is WETH?")
    assert _post(url, bob, _rating(bobs, "What is WETH?")).status_code == 201
    assert _chat(url, alice, "Who runs Uniswap?")["answer"]
