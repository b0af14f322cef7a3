"""App factories for the worker supervisor's tests: one that serves, one that cannot start."""

from __future__ import annotations

import os

from fastapi import FastAPI


def serving() -> FastAPI:
    """Answers with the id of the process that served the request."""
    app = FastAPI()

    @app.get("/pid")
    async def pid() -> int:
        return os.getpid()

    return app


def broken() -> FastAPI:
    """Fails as an app whose services cannot be built does."""
    raise RuntimeError("cannot start")
