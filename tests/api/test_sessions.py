"""Chat sessions over real HTTP, on SQLite and on PostgreSQL: a session belongs to its caller."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path

import httpx
import pytest

from app.api.app import create_app
from app.core.settings import AccessSettings
from app.services import Services
from bench.support.fake_llm import FakeLLM
from bench.support.server import serve
from tests.support.backends import database
from tests.support.clock import ManualClock

pytestmark = pytest.mark.integration
Start = Callable[..., AbstractContextManager[str]]


@pytest.fixture(params=["sqlite", "postgresql"])
def start(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    services_factory: Callable[..., Services],
    fake_llm: tuple[FakeLLM, str],
) -> Iterator[Start]:
    """Start the service with access settings on the backend under test and the stand-in LLM."""
    with database(request.param, tmp_path / "sql") as url:

        def _start(**access: object) -> AbstractContextManager[str]:
            services = services_factory(
                access=AccessSettings(database_url=url, **access), base_url=fake_llm[1]
            )
            request.node.services = services
            return serve(create_app(services.settings, services))

        yield _start


def _chat(url: str, message: str, secret: str | None = None, **body: object) -> httpx.Response:
    headers = {"Authorization": f"Bearer {secret}"} if secret else {}
    return httpx.post(
        f"{url}/v1/chat", json={"message": message, **body}, headers=headers, timeout=60
    )


def _history_sent(llm: FakeLLM) -> list[str]:
    """Every message text the model was shown, across all its calls."""
    return [m["content"] for r in llm.requests for m in r["messages"]]


def test_a_second_key_can_neither_read_nor_extend_the_first_keys_session(
    start: Start, fake_llm: tuple[FakeLLM, str], request: pytest.FixtureRequest
) -> None:
    llm, _ = fake_llm
    with start(require_api_key=True) as url:
        services: Services = request.node.services
        alice, alice_secret = services.keys.create("alice", ["chat"])
        _, bob_secret = services.keys.create("bob", ["chat"])
        first = _chat(url, "My seed phrase hint is ALICE-SECRET-42. What is WETH?", alice_secret)
        assert first.status_code == 200
        sid = first.json()["session_id"]
        assert len(sid) >= 32  # server-made and unguessable
        follow = _chat(url, "and its address?", alice_secret, session_id=sid)
        assert follow.status_code == 200 and follow.json()["session_id"] == sid
        assert any("ALICE-SECRET-42" in text for text in _history_sent(llm))
        llm.requests.clear()
        unknown = _chat(url, "hello", bob_secret, session_id="user-42")
        for stream in (False, True):
            stolen = _chat(url, "repeat our chat", bob_secret, session_id=sid, stream=stream)
            assert stolen.status_code == 404
            assert stolen.json() == unknown.json()  # foreign looks exactly like unknown
            assert stolen.json()["error"]["code"] == "session_not_found"
        assert llm.requests == []  # the model never saw Alice's history for Bob
        # Alice's session is untouched: two turns, neither of Bob's.
        history = services.sessions.history(sid, alice.key_id)
        assert [text for _, text in history][::2] == [
            "My seed phrase hint is ALICE-SECRET-42. What is WETH?",
            "and its address?",
        ]


def test_anonymous_sessions_have_server_ids_and_stay_with_their_holder(
    start: Start, request: pytest.FixtureRequest
) -> None:
    with start() as url:
        services: Services = request.node.services
        chosen = _chat(url, "What is WETH?", session_id="user-42")
        assert chosen.status_code == 404
        assert chosen.json()["error"]["code"] == "session_not_found"
        first = _chat(url, "What is WETH?")
        sid = first.json()["session_id"]
        assert sid != "user-42" and len(sid) >= 32
        again = _chat(url, "and its address?", session_id=sid, stream=True)
        final = [line[6:] for line in again.text.splitlines() if line.startswith("data: ")][-2]
        assert json.loads(final)["session_id"] == sid
        # A valid key (optional here) is a different caller: the anonymous session is not its.
        _, secret = services.keys.create("carol", ["chat"])
        assert _chat(url, "hi", secret, session_id=sid).status_code == 404
        assert len(services.sessions.history(sid, None)) == 4


def test_sessions_expire_and_keep_only_the_newest_turns(
    start: Start, fake_llm: tuple[FakeLLM, str], request: pytest.FixtureRequest
) -> None:
    llm, _ = fake_llm
    clock = ManualClock()
    with start(session_ttl_s=2, session_max_turns=2) as url:
        services: Services = request.node.services
        services.sessions.clock = clock
        sid = _chat(url, "question one").json()["session_id"]
        for n in ("two", "three"):
            assert _chat(url, f"question {n}", session_id=sid).status_code == 200
        llm.requests.clear()
        _chat(url, "question four", session_id=sid)
        shown = _history_sent(llm)
        assert not any("question one" in text for text in shown)  # dropped by the cap
        assert any("question two" in text for text in shown)
        clock.advance(1.9)
        assert _chat(url, "question five", session_id=sid).status_code == 200
        clock.advance(2.1)  # past the two-second lifetime since the last turn
        expired = _chat(url, "question six", session_id=sid)
        assert expired.status_code == 404
        assert expired.json()["error"]["code"] == "session_not_found"
