"""POST /v1/feedback: a rating of an answer the service gave in the caller's own session."""

from __future__ import annotations

from functools import partial

import anyio
from fastapi import APIRouter, Request

from app.api.deps import (
    ChatKeyDep,
    FeedbackDep,
    FeedbackLimiterDep,
    SessionsDep,
    caller,
    limit,
)
from app.api.schemas import ErrorResponse, FeedbackCreated, FeedbackRequest

router = APIRouter(tags=["feedback"])


@router.post(
    "/v1/feedback",
    status_code=201,
    response_model=FeedbackCreated,
    responses={
        404: {"model": ErrorResponse},
        422: {"model": ErrorResponse},
        429: {"model": ErrorResponse},
    },
)
async def feedback(
    body: FeedbackRequest,
    request: Request,
    key: ChatKeyDep,
    sessions: SessionsDep,
    store: FeedbackDep,
    limiter: FeedbackLimiterDep,
) -> FeedbackCreated:
    """Rate an answer 👍 (`up`) or 👎 (`down`), sent back as `/v1/chat` returned it, with its
    `session_id` (one of the caller's). Rating it again replaces the earlier rating."""
    # Ratings are kept for good and become training data: their own, tighter limit.
    await limit(limiter, "feedback:" + caller(request, key))
    owner = key.key_id if key else None
    rated = await anyio.to_thread.run_sync(
        sessions.answer, body.session_id, owner, body.answer, body.question
    )
    add = partial(
        store.add,
        body.rating,
        rated.question,
        rated.answer,
        sources=list(rated.sources),
        comment=body.comment,
        session_id=rated.session_id,
        owner=owner,
        turn_id=rated.turn_id,
    )
    return FeedbackCreated(id=await anyio.to_thread.run_sync(add))
