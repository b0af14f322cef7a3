"""POST /v1/chat: an answer with its sources, as JSON or as server-sent events."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator

from fastapi import APIRouter
from fastapi.responses import StreamingResponse

from app.api.deps import ServicesDep
from app.api.schemas import ChatRequest, ChatResponse, ErrorResponse, SourceOut
from app.api.validation import check_question

router = APIRouter(tags=["chat"])


@router.post(
    "/v1/chat",
    response_model=ChatResponse,
    responses={
        400: {"model": ErrorResponse},
        422: {"model": ErrorResponse},
        200: {"content": {"text/event-stream": {}}},
    },
)
async def chat(body: ChatRequest, services: ServicesDep) -> ChatResponse | StreamingResponse:
    """Answer a question from the knowledge base; the system prompt stays on the server."""
    question = check_question(body.message, services.settings.api.max_question_chars, "message")
    result = await services.answers.answer(question, body.filters)
    response = ChatResponse(
        answer=result.answer,
        sources=[SourceOut(**s.as_dict()) for s in result.sources],  # type: ignore[arg-type]
        session_id=body.session_id or uuid.uuid4().hex,
        mode=result.mode,
        warnings=result.warnings,
    )
    if not body.stream:
        return response
    return StreamingResponse(_events(response), media_type="text/event-stream")


async def _events(response: ChatResponse) -> AsyncIterator[str]:
    """Sources first, then the answer text, then the end marker."""
    meta = response.model_dump(exclude={"answer"})
    yield f"event: sources\ndata: {json.dumps(meta)}\n\n"
    yield f"event: delta\ndata: {json.dumps({'text': response.answer})}\n\n"
    yield "event: done\ndata: {}\n\n"
