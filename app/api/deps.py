"""Dependencies: the services built in the lifespan, and the key and rate checks of each route."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import fields
from typing import Annotated, Any

import anyio
from fastapi import Depends, Request

from app.access.keys import ApiKey
from app.access.limits import RateLimiter
from app.chain.lookup import ContractLookup
from app.chain.tx.service import TransactionExplainer
from app.core.blocking import off_loop
from app.core.errors import Forbidden, RateLimited, Unauthorized
from app.core.settings import Settings
from app.feedback.store import FeedbackStore
from app.kb.retriever import Retriever
from app.rag.answer import AnswerService
from app.rag.sessions import SessionStore
from app.services import Services


async def get_services(request: Request) -> Services:
    """The services the lifespan built (async: FastAPI runs a plain `def` dependency on a worker
    thread, one thread hand-off per request for an attribute read)."""
    services: Services = request.app.state.services
    return services


# The whole container, for what uses every part (readiness, admin operations); a route that
# needs one part names it with one of the aliases below (full-stack-fastapi-template's style).
ServicesDep = Annotated[Services, Depends(get_services)]


def part(name: str) -> Callable[[Services], Awaitable[Any]]:
    """A dependency giving one part of the services; a name no field has fails at import."""
    if name not in {f.name for f in fields(Services)}:
        raise AttributeError(f"Services has no part {name!r}")

    async def get(services: ServicesDep) -> Any:
        return getattr(services, name)

    get.__name__ = f"get_{name}"
    return get


SettingsDep = Annotated[Settings, Depends(part("settings"))]
AnswersDep = Annotated[AnswerService, Depends(part("answers"))]
SessionsDep = Annotated[SessionStore, Depends(part("sessions"))]
RetrieverDep = Annotated[Retriever, Depends(part("retriever"))]
ContractsDep = Annotated[ContractLookup, Depends(part("contracts"))]
FeedbackDep = Annotated[FeedbackStore, Depends(part("feedback"))]
FeedbackLimiterDep = Annotated[RateLimiter, Depends(part("feedback_limiter"))]
TransactionsDep = Annotated[TransactionExplainer, Depends(part("transactions"))]


def presented(request: Request) -> str | None:
    """The key from `Authorization: Bearer ...` or `X-API-Key`."""
    auth = request.headers.get("authorization", "")
    if auth[:7].lower() == "bearer ":
        return auth[7:].strip() or None
    return request.headers.get("x-api-key") or None


def caller(request: Request, key: ApiKey | None) -> str:
    """Whom a rate limit counts: the key, else the client address (a named proxy's forward)."""
    return f"key:{key.key_id}" if key else f"addr:{request.client.host if request.client else '-'}"


async def limit(limiter: RateLimiter, who: str) -> None:
    """RateLimited, with Retry-After, when who is over the limiter's limit."""
    wait = await off_loop(limiter.blocks, limiter.hit, who)
    if wait is not None:
        raise RateLimited(
            f"rate limit exceeded; retry in {wait} s", headers={"Retry-After": str(wait)}
        )


def require(scope: str) -> Callable[[Request, Services], Awaitable[ApiKey | None]]:
    """A dependency: a key with this scope when keys are required, then the rate limit."""

    async def check(request: Request, services: ServicesDep) -> ApiKey | None:
        secret = presented(request)
        required = services.settings.access.require_api_key
        key = None
        if secret is not None:
            key = await anyio.to_thread.run_sync(services.keys.verify, secret)
            if key is not None and key.revoked:
                key = None
        if required:
            if key is None:
                message = (
                    "unknown or revoked API key"
                    if secret
                    else "an API key is required: send Authorization: Bearer <key> or X-API-Key"
                )
                raise Unauthorized(message, headers={"WWW-Authenticate": "Bearer"})
            if not key.allows(scope):
                raise Forbidden(f"this key lacks the {scope!r} scope")
        # With keys optional, an unknown key is anonymous: OpenAI SDKs insist on sending one.
        await limit(services.limiter, caller(request, key))
        return key

    return check


# One callable for the chat scope: a route that checks it on its router and reads the key too
# runs the check (and counts the rate limit) once, as FastAPI caches a dependency per callable.
chat_key = require("chat")
ChatKeyDep = Annotated[ApiKey | None, Depends(chat_key)]
