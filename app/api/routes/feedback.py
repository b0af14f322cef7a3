"""POST /v1/feedback: a rating of an answer, stored with the question, answer and sources."""

from __future__ import annotations

from functools import partial
from typing import Annotated

import anyio
from fastapi import APIRouter, Depends

from app.access.keys import ApiKey
from app.api.deps import ServicesDep, require
from app.api.schemas import ErrorResponse, FeedbackCreated, FeedbackRequest

router = APIRouter(tags=["feedback"])


@router.post(
    "/v1/feedback",
    status_code=201,
    response_model=FeedbackCreated,
    responses={404: {"model": ErrorResponse}, 422: {"model": ErrorResponse}},
)
async def feedback(
    body: FeedbackRequest,
    services: ServicesDep,
    key: Annotated[ApiKey | None, Depends(require("chat"))],
) -> FeedbackCreated:
    """Rate an answer 👍 (`up`) or 👎 (`down`); a session_id must be one of the caller's."""
    owner = key.key_id if key else None
    if body.session_id is not None:
        await anyio.to_thread.run_sync(services.sessions.check, body.session_id, owner)
    add = partial(
        services.feedback.add,
        body.rating,
        body.question,
        body.answer,
        sources=[s.model_dump(include={"source", "title", "url"}) for s in body.sources],
        comment=body.comment,
        session_id=body.session_id,
        owner=owner,
    )
    return FeedbackCreated(id=await anyio.to_thread.run_sync(add))
