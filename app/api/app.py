"""The FastAPI application factory."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from app.api.errors import install_error_handlers
from app.api.routes import chat, health, openai_compat, search
from app.core.settings import Settings, load_settings
from app.services import Services, build_services


def create_app(settings: Settings | None = None, services: Services | None = None) -> FastAPI:
    """An app whose lifespan builds the services, unless they are passed in (tests share them)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        owned = services is None
        app.state.services = services or build_services(settings or load_settings())
        try:
            yield
        finally:
            if owned:
                app.state.services.close()

    app = FastAPI(
        title="CryptoRAG",
        version="0.1.0",
        lifespan=lifespan,
        summary="Answers about crypto protocols, contracts and events, with sources.",
    )
    install_error_handlers(app)
    app.include_router(health.router)
    app.include_router(search.router)
    app.include_router(chat.router)
    app.include_router(openai_compat.router)
    return app
