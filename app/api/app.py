"""The FastAPI application factory."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi_offline import FastAPIOffline

from app.api.errors import install_error_handlers
from app.api.middleware import BodyLimit, RequestContext
from app.api.routes import (
    admin,
    chains,
    chat,
    contracts,
    feedback,
    health,
    i18n,
    openai_compat,
    search,
    transactions,
)
from app.core.nesting import pin_recursion_limit
from app.core.settings import Settings, load_settings
from app.services import Services, build_services
from app.web import install_page


def create_app(
    settings: Settings | None = None,
    services: Services | None = None,
    build: Callable[[Settings], Services] = build_services,
) -> FastAPI:
    """An app whose lifespan builds the services with build, unless they are passed in (tests
    share them); a worker of `serve --workers` builds them over its owner's store."""
    pin_recursion_limit()
    config = settings or (services.settings if services else load_settings())

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.services = services or build(config)
        try:
            yield
        finally:
            if services is None:
                app.state.services.close()

    # Swagger UI (/docs) and ReDoc (/redoc) from files in the fastapi-offline wheel, not a CDN.
    app = FastAPIOffline(
        title="CryptoRAG",
        version="0.1.0",
        lifespan=lifespan,
        summary="Answers about crypto protocols, contracts and events, with sources.",
    )
    install_error_handlers(app)
    # Added last runs first: the request id exists before the body limit can answer.
    app.add_middleware(BodyLimit, max_bytes=config.api.max_body_bytes)
    app.add_middleware(RequestContext)
    app.include_router(health.router)
    app.include_router(search.router)
    app.include_router(chat.router)
    app.include_router(feedback.router)
    app.include_router(contracts.router)
    app.include_router(transactions.router)
    app.include_router(openai_compat.router)
    app.include_router(chains.router)
    app.include_router(i18n.router)
    app.include_router(admin.router)
    install_page(app)
    return app
