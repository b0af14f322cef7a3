"""Liveness and readiness."""

from __future__ import annotations

import anyio
import httpx
from fastapi import APIRouter
from fastapi.responses import JSONResponse

from app.api.deps import ServicesDep
from app.api.schemas import Health

router = APIRouter(tags=["health"])


@router.get("/healthz", response_model=Health)
async def healthz() -> Health:
    """The process answers."""
    return Health(status="ok")


@router.get("/readyz", response_model=Health, responses={503: {"model": Health}})
async def readyz(services: ServicesDep) -> JSONResponse:
    """Store, embedder and LLM reachable."""
    checks: dict[str, str] = {}
    try:
        await anyio.to_thread.run_sync(services.store.ping)
        checks["store"] = "ok"
    except Exception as exc:
        checks["store"] = f"unavailable: {exc}"
    try:
        await anyio.to_thread.run_sync(services.embedder.embed_query, "ready")
        checks["embedder"] = "ok"
    except Exception as exc:
        checks["embedder"] = f"unavailable: {type(exc).__name__}"
    llm = services.settings.llm
    if llm.provider == "local":
        checks["llm"] = services.answers.health.status() or "ok"  # loaded at start
    elif llm.base_url is None:
        checks["llm"] = "not configured (extractive answers)"
    else:
        # The endpoint's /models can answer while its completions fail: the last calls decide.
        key = llm.api_key.get_secret_value() if llm.api_key else None
        probed = await _probe_llm(str(llm.base_url), key)
        seen = services.answers.health.status()
        checks["llm"] = probed if probed != "ok" or seen is None else seen
    ok = all(v == "ok" or v.startswith("not configured") for v in checks.values())
    body = Health(status="ok" if ok else "unavailable", checks=checks)
    return JSONResponse(body.model_dump(), status_code=200 if ok else 503)


async def _probe_llm(base_url: str, api_key: str | None) -> str:
    headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
    try:
        async with httpx.AsyncClient(timeout=3.0) as client:
            response = await client.get(base_url.rstrip("/") + "/models", headers=headers)
        return "ok" if response.status_code < 500 else f"unavailable: HTTP {response.status_code}"
    except httpx.HTTPError as exc:
        return f"unavailable: {type(exc).__name__}"
