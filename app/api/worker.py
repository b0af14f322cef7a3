"""The app of one worker process of `cryptorag serve --workers N`, over its owner's store."""

from __future__ import annotations

import os
from typing import cast

from fastapi import FastAPI

from app.access.limits import RateLimiter
from app.api.app import create_app
from app.core.errors import ConfigError
from app.core.settings import Settings, load_settings
from app.kb.store.remote import RemoteStore
from app.services import Services, build_services

# The owner's rate limiters, by the names its workers call them.
REQUESTS, FEEDBACK = "requests", "feedback"
# The owner's token for the CLI's admin calls, handed to each worker like the store's address.
OWNER_TOKEN_ENV = "CRYPTORAG_OWNER_TOKEN"


def worker_app() -> FastAPI:
    """uvicorn's factory in each worker: the same API, its store calls sent to the owner."""
    settings = load_settings()
    if os.environ.get(RemoteStore.address_env) is None:
        raise ConfigError("a worker app needs its owner process: start it with `cryptorag serve`")

    def build(config: Settings) -> Services:
        store = RemoteStore.from_environment()
        assert store is not None
        services = build_services(config, store=store)
        if in_memory(config):  # counted in the owner, where every worker's hits meet
            services.limiter = cast(RateLimiter, store.limiter(REQUESTS))
            services.feedback_limiter = cast(RateLimiter, store.limiter(FEEDBACK))
        return services

    app = create_app(settings, build=build)
    app.state.owner_token = os.environ.get(OWNER_TOKEN_ENV)
    return app


def in_memory(settings: Settings) -> bool:
    """True when the rate limits are counted in process memory (not shared by Redis)."""
    return settings.access.rate_limit_storage.startswith("memory")


def owner_limiters(services: Services) -> dict[str, RateLimiter]:
    """The limiters the owner keeps for its workers."""
    return {REQUESTS: services.limiter, FEEDBACK: services.feedback_limiter}
