"""POST /v1/search: retrieved chunks with their metadata."""

from __future__ import annotations

import anyio
from fastapi import APIRouter, Depends

from app.api.deps import RetrieverDep, SettingsDep, require
from app.api.schemas import (
    AddressOut,
    ErrorResponse,
    QueryAnalysis,
    SearchRequest,
    SearchResponse,
    SearchResult,
)
from app.api.validation import check_question
from app.core.errors import BadRequest
from app.kb.models import ScoredChunk

router = APIRouter(tags=["search"], dependencies=[Depends(require("search"))])

# Payload fields a client sees; doc_id (a server path) and hashes stay inside.
_PUBLIC = ("source", "title", "type", "url", "protocol", "chain", "published_at", "addresses")


@router.post(
    "/v1/search",
    response_model=SearchResponse,
    responses={400: {"model": ErrorResponse}, 422: {"model": ErrorResponse}},
)
async def search(
    body: SearchRequest, retriever: RetrieverDep, settings: SettingsDep
) -> SearchResponse:
    """Top chunks for a query, within optional filters."""
    api = settings.api
    query = check_question(body.query, api.max_question_chars)
    top_k = body.top_k or api.default_top_k
    if top_k > api.max_top_k:
        raise BadRequest(f"top_k must be between 1 and {api.max_top_k}", code="invalid_top_k")
    retrieval = await anyio.to_thread.run_sync(retriever.retrieve, query, top_k, body.filters)
    analysis = QueryAnalysis(
        addresses=[
            AddressOut(input=a.raw, address=a.checksum, checksum=a.status)  # type: ignore[arg-type]
            for a in retrieval.addresses
        ],
        chains=retrieval.chains,
    )
    return SearchResponse(
        results=[_result(h) for h in retrieval.hits], query=analysis, warnings=retrieval.warnings
    )


def _result(hit: ScoredChunk) -> SearchResult:
    c = hit.chunk
    meta = {k: getattr(c, k) for k in _PUBLIC if getattr(c, k) not in (None, [], "")}
    meta.update(chunk_index=c.index, matched=hit.matched, **c.metadata)
    return SearchResult(id=c.id, text=c.text, score=round(hit.score, 6), metadata=meta)
