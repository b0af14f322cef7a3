"""Admin endpoints: ingest, delete documents and stats, for operators and the local CLI.

Always behind a credential, even when API keys are optional elsewhere: an API key with the
`admin` scope, or the token `cryptorag serve` wrote into the data dir's server.json.
"""

from __future__ import annotations

import hmac
from typing import Annotated, Any

import anyio
from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field

from app.api.deps import ServicesDep, presented
from app.api.schemas import ErrorResponse
from app.api.validation import check_question
from app.core.errors import Forbidden, Unauthorized
from app.operations import ingest_targets, store_stats


async def require_admin(request: Request, services: ServicesDep) -> None:
    """An admin key or the local owner token; anything else is a 401 or 403."""
    secret = presented(request)
    if secret is None:
        raise Unauthorized(
            "an admin API key is required: send Authorization: Bearer <key>",
            headers={"WWW-Authenticate": "Bearer"},
        )
    token = getattr(request.app.state, "owner_token", None)
    if token and hmac.compare_digest(secret.encode(), str(token).encode()):
        return
    key = await anyio.to_thread.run_sync(services.keys.verify, secret)
    if key is None or key.revoked:
        raise Unauthorized("unknown or revoked API key", headers={"WWW-Authenticate": "Bearer"})
    if not key.allows("admin"):
        raise Forbidden("this key lacks the 'admin' scope")


router = APIRouter(
    prefix="/v1/admin",
    tags=["admin"],
    dependencies=[Depends(require_admin)],
    responses={401: {"model": ErrorResponse}, 403: {"model": ErrorResponse}},
)


class IngestRequest(BaseModel):
    """Server-side paths, feed or page URLs, or chain:0x-address refs."""

    targets: list[Annotated[str, Field(min_length=1, max_length=2048)]] = Field(
        min_length=1, max_length=100
    )


class DeleteRequest(BaseModel):
    """Documents to remove, by their source (path relative to the ingested folder, or URL)."""

    sources: list[Annotated[str, Field(min_length=1, max_length=2048)]] = Field(
        min_length=1, max_length=1000
    )


class AskRequest(BaseModel):
    """One question, answered as `cryptorag ask` answers it."""

    question: str = Field(min_length=1)


@router.post("/ingest")
async def ingest(body: IngestRequest, services: ServicesDep) -> dict[str, Any]:
    """Ingest on the server; reports with what was written, unchanged, removed and skipped."""

    reports = await anyio.to_thread.run_sync(ingest_targets, services, body.targets)
    return {
        "reports": [
            {
                "summary": r.summary(),
                "failed": bool(r.failed),
                "skipped": [list(s) for s in r.skipped],
                "warnings": [list(w) for w in r.warnings],
                "documents": r.documents,
                "written": r.written,
                "unchanged": r.unchanged,
                "deleted": r.deleted,
                "chunks": r.chunks,
            }
            for r in reports
        ]
    }


@router.post("/documents/delete")
async def delete_documents(body: DeleteRequest, services: ServicesDep) -> dict[str, int]:
    """Remove every chunk of the documents with these sources."""

    def run() -> int:
        with services.ingest_lock:
            return services.store.delete_sources(body.sources)

    return {"chunks": await anyio.to_thread.run_sync(run)}


@router.get("/stats")
async def stats(services: ServicesDep) -> dict[str, Any]:
    """Documents and chunks, the collection and vector name, and the store's index state."""
    return await anyio.to_thread.run_sync(store_stats, services)


@router.post("/ask")
async def ask(body: AskRequest, services: ServicesDep) -> dict[str, Any]:
    """One answer with its sources (the CLI's `ask` while the server owns the store)."""
    text = check_question(body.question, services.settings.api.max_question_chars, "question")
    result = await services.answers.answer(text)
    return {
        "answer": result.answer,
        "warnings": list(result.warnings),
        "sources": [
            {
                "index": s.index,
                "title": s.title,
                "source": s.source,
                "url": s.url,
                "score": s.score,
                "trust": s.trust,  # the CLI prints it: a local answer's trust, not "fetched"
            }
            for s in result.sources
        ],
    }
