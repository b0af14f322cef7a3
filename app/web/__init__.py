"""The chat page: static files served by the app at / (no build step, no CDN)."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException
from starlette.responses import Response
from starlette.types import Scope

WEB_DIR = Path(__file__).resolve().parent

# The page loads only its own files and talks only to its own origin: even a rendering bug
# cannot fetch a foreign image or run an inline script.
_PAGE_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    ),
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-cache",
}

# What /web/ serves: the page's assets and the vendored libraries with their licences.
_ASSET_SUFFIXES = (".js", ".css", ".html", ".md", ".txt")


class _Assets(StaticFiles):
    """Static files of this folder, without the Python package beside them."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        if not path.endswith(_ASSET_SUFFIXES) or "__pycache__" in path:
            raise HTTPException(status_code=404, detail="not found")
        return await super().get_response(path, scope)


def install_page(app: FastAPI) -> None:
    """Serve index.html at / and the page's assets under /web/."""
    # Under /web/ rather than at /: a static mount at the root would answer unknown API paths.
    app.mount("/web", _Assets(directory=WEB_DIR), name="web")

    @app.get("/", include_in_schema=False)
    async def page() -> FileResponse:
        return FileResponse(WEB_DIR / "index.html", headers=_PAGE_HEADERS)
