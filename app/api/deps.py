"""Dependencies: the services built in the lifespan, and the key and rate checks of each route."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

import anyio
from fastapi import Depends, Request

from app.access.keys import ApiKey
from app.access.limits import RateLimiter
from app.core.errors import Forbidden, RateLimited, Unauthorized
from app.services import Services


async def get_services(request: Request) -> Services:
    """The services the lifespan built (async: FastAPI runs a plain `def` dependency on a worker
    thread, one thread hand-off per request for an attribute read)."""
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(get_services)]


def _presented(request: Request) -> str | None:
    """The key from `Authorization: Bearer ...` or `X-API-Key`."""
    auth = request.headers.get("authorization", "")
    if auth[:7].lower() == "bearer ":
        return auth[7:].strip() or None
    return request.headers.get("x-api-key") or None


def caller(request: Request, key: ApiKey | None) -> str:
    """Whom a rate limit counts: the key, else the client address (a named proxy's forward)."""
    return f"key:{key.key_id}" if key else f"addr:{request.client.host if request.client else '-'}"


def limit(limiter: RateLimiter, who: str) -> None:
    """RateLimited, with Retry-After, when who is over the limiter's limit."""
    wait = limiter.hit(who)
    if wait is not None:
        raise RateLimited(
            f"rate limit exceeded; retry in {wait} s", headers={"Retry-After": str(wait)}
        )


def require(scope: str) -> Callable[[Request, Services], Awaitable[ApiKey | None]]:
    """A dependency: a key with this scope when keys are required, then the rate limit."""

    async def check(request: Request, services: ServicesDep) -> ApiKey | None:
        secret = _presented(request)
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
        limit(services.limiter, caller(request, key))
        return key

    return check
