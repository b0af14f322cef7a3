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
from app.rag.leakledger import LeakLedger
from app.services import Services, build_services

# The owner's rate limiters, by the names its workers call them.
REQUESTS, FEEDBACK, LEDGER = "requests", "feedback", "ledger"
# The owner's token for the CLI's admin calls, handed to each worker like the store's address.
OWNER_TOKEN_ENV = "CRYPTORAG_OWNER_TOKEN"


def worker_app() -> FastAPI:
    """uvicorn's factory in each worker: the same API, its store calls sent to the owner."""
    settings = load_settings()
    if os.environ.get(RemoteStore.address_env) is None:
        raise ConfigError("a worker app needs its owner process: start it with `cryptorag serve`")

    def build(config: Settings) -> Services:
        owned = RemoteStore.from_environment()
        assert owned is not None
        # A Qdrant server is every process's to open; only the embedded store is the owner's.
        store = None if config.store.qdrant_url is not None else owned
        services = build_services(config, store=store)
        if not services.limiter.blocks:  # in memory: counted in the owner, where hits meet
            services.limiter = cast(RateLimiter, owned.limiter(REQUESTS))
            services.feedback_limiter = cast(RateLimiter, owned.limiter(FEEDBACK))
        # What each caller was sent of the hidden prompt, whichever worker sent it.
        services.answers.ledger = cast(LeakLedger, owned.ledger(LEDGER))
        return services

    app = create_app(settings, build=build)
    app.state.owner_token = os.environ.get(OWNER_TOKEN_ENV)
    return app


def owner_shared(services: Services) -> dict[str, object]:
    """What the owner keeps for its workers: the rate limiters and the leak ledger."""
    return {
        REQUESTS: services.limiter,
        FEEDBACK: services.feedback_limiter,
        LEDGER: services.answers.ledger,
    }
