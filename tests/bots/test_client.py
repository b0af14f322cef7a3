"""The service client: error mapping (stand-in transport) and session renewal (real service)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from app.api.app import create_app
from app.bots.client import (
    APOLOGY,
    ServiceBusy,
    ServiceClient,
    ServiceRefused,
    ServiceUnavailable,
)
from app.core.settings import AccessSettings
from app.services import Services
from bench.support.server import serve
from tests.bots.conftest import Service


def _client(handler: Any) -> ServiceClient:
    return ServiceClient("http://service", "secret", transport=httpx.MockTransport(handler))


def _error(status: int, code: str, message: str = "m", **headers: str) -> httpx.Response:
    body = {"error": {"code": code, "message": message}}
    return httpx.Response(status, json=body, headers=headers)


async def _chat(handler: Any, session: str | None = None) -> Any:
    client = _client(handler)
    try:
        return await client.chat("hi", session)
    finally:
        await client.aclose()


@pytest.mark.parametrize(
    ("response", "error", "text"),
    [
        (_error(429, "rate_limited", **{"Retry-After": "17"}), ServiceBusy, "please wait 17 s"),
        (_error(500, "internal_error"), ServiceUnavailable, APOLOGY),
        (httpx.Response(502, text="<html>bad gateway</html>"), ServiceUnavailable, APOLOGY),
        (_error(503, "rpc_unavailable", "no RPC URL for base"), ServiceRefused, "no RPC URL"),
        (_error(401, "unauthorized"), ServiceRefused, "not allowed"),
        (_error(422, "invalid_request", "message: too long"), ServiceRefused, "too long"),
    ],
)
def test_errors_become_short_polite_messages(
    response: httpx.Response, error: type[Exception], text: str
) -> None:
    with pytest.raises(error) as raised:
        asyncio.run(_chat(lambda _: response))
    assert text in str(raised.value)
    assert "Traceback" not in str(raised.value)


def test_a_refused_connection_is_the_apology() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    with pytest.raises(ServiceUnavailable, match="not reachable"):
        asyncio.run(_chat(refuse))


def test_the_key_is_sent_as_bearer_and_a_lost_session_is_renewed_once() -> None:
    seen: list[dict[str, Any]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        seen.append(body | {"auth": request.headers["authorization"]})
        if body.get("session_id") == "old":
            return _error(404, "session_not_found")
        return httpx.Response(200, json={"answer": "a", "sources": [], "session_id": "new"})

    reply = asyncio.run(_chat(handler, "old"))
    assert reply.session_id == "new"
    assert seen == [
        {"message": "hi", "session_id": "old", "auth": "Bearer secret"},
        {"message": "hi", "auth": "Bearer secret"},
    ]


@pytest.mark.integration
def test_the_real_service_renews_a_session_it_does_not_know(service: Service) -> None:
    async def main() -> tuple[str, str]:
        client = ServiceClient(service.url)
        try:
            first = await client.chat("What is Convex?", "never-issued-by-the-service")
            again = await client.chat("And CRV?", first.session_id)
            return first.session_id, again.session_id
        finally:
            await client.aclose()

    first, again = asyncio.run(main())
    assert first != "never-issued-by-the-service"
    assert again == first


@pytest.mark.integration
def test_a_chat_key_is_sent_and_its_session_kept(
    services_factory: Callable[..., Services],
) -> None:
    services = services_factory(access=AccessSettings(require_api_key=True))
    _, secret = services.keys.create("telegram-bot", ["chat"])
    with serve(create_app(services.settings, services)) as url:

        async def main() -> tuple[str, str, str]:
            keyed, anonymous = ServiceClient(url, secret), ServiceClient(url)
            try:
                first = await keyed.chat("What is Convex?")
                again = await keyed.chat("And CRV?", first.session_id)
                with pytest.raises(ServiceRefused) as refused:
                    await anonymous.chat("What is Convex?")
                with pytest.raises(ServiceRefused) as no_scope:
                    await keyed.contract("ethereum", "0x" + "ab" * 20)
                return first.session_id, again.session_id, f"{refused.value}|{no_scope.value}"
            finally:
                await keyed.aclose()
                await anonymous.aclose()

        first, again, refusals = asyncio.run(main())
    assert again == first
    assert refusals == "|".join(["Sorry, this bot is not allowed to ask the service that."] * 2)
