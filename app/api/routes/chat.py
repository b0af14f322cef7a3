"""POST /v1/chat: an answer with its sources, as JSON or as server-sent events."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import anyio
from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse

from app.api.deps import AnswersDep, ChatKeyDep, SessionsDep, SettingsDep
from app.api.errors import stream_error
from app.api.leak_keys import ledger_keys
from app.api.schemas import (
    STREAMING_RESPONSES,
    ChatRequest,
    ChatResponse,
    ErrorResponse,
    sources_out,
)
from app.api.validation import check_question
from app.kb.store import build_filter
from app.rag.answer import Answer, Sources
from app.rag.sessions import SessionStore
from app.rag.subject import Subject

router = APIRouter(tags=["chat"])


@router.post(
    "/v1/chat",
    response_model=ChatResponse,
    response_model_exclude_none=True,  # a source's url only when it has one
    responses={**STREAMING_RESPONSES, 404: {"model": ErrorResponse}},
)
async def chat(
    request: Request,
    body: ChatRequest,
    answers: AnswersDep,
    sessions: SessionsDep,
    settings: SettingsDep,
    key: ChatKeyDep,
) -> ChatResponse | StreamingResponse:
    """Answer a question from the knowledge base; the system prompt stays on the server.

    With `stream: true`: a `sources` event lists the sources as soon as they are found, `delta`
    events carry text as it is written, then one `answer` event carries the whole response
    (answer, sources, session_id, mode, warnings, answerable), then `done`.

    A session belongs to the API key that made it (anonymous ones to whoever holds their
    unguessable id): omit `session_id` to start one; an unknown, expired or foreign one is a 404.
    """
    question = check_question(body.message, settings.api.max_question_chars, "message")
    build_filter(body.filters)  # a bad filter is a 422 now, not an error inside a stream
    owner = key.key_id if key else None
    subject: Subject | None = None
    history: list[tuple[str, str]]
    if body.session_id is None:
        session_id, history = sessions.new_id(), []
    else:
        session_id = body.session_id
        history, subject = await anyio.to_thread.run_sync(sessions.conversation, session_id, owner)
    if not body.stream:
        keys = ledger_keys(request, key, session_id)
        result = await answers.answer(
            question,
            body.filters,
            history,
            ledger_keys=keys,
            subject=subject,
            language=body.language,
        )
        await anyio.to_thread.run_sync(
            sessions.append,
            session_id,
            owner,
            question,
            result.answer,
            result.sources,
            result.subject,
        )
        return _response(result, session_id)
    keys = ledger_keys(request, key, session_id)
    events = answers.stream(
        question, body.filters, history, ledger_keys=keys, subject=subject, language=body.language
    )
    return StreamingResponse(
        _sse(events, session_id, owner, sessions, question), media_type="text/event-stream"
    )


def _response(result: Answer, session_id: str) -> ChatResponse:
    return ChatResponse(
        answer=result.answer,
        sources=sources_out(result.sources),
        session_id=session_id,
        mode=result.mode,
        warnings=result.warnings,
        onchain=result.onchain,
        transactions=result.transactions,
        unverified_addresses=result.unverified,
        answerable=result.answerable,
        language=result.language,
    )


async def _sse(
    events: AsyncIterator[str | Sources | Answer],
    session_id: str,
    owner: str | None,
    sessions: SessionStore,
    question: str,
) -> AsyncIterator[str]:
    try:
        async for event in events:
            if isinstance(event, Answer):
                await anyio.to_thread.run_sync(
                    sessions.append,
                    session_id,
                    owner,
                    question,
                    event.answer,
                    event.sources,
                    event.subject,
                )
                body = _response(event, session_id).model_dump_json(exclude_none=True)
                yield f"event: answer\ndata: {body}\n\n"
            elif isinstance(event, Sources):  # first, before any text: what the answer rests on
                listed = [s.model_dump(exclude_none=True) for s in sources_out(event.sources)]
                data = json.dumps({"sources": listed, "session_id": session_id})
                yield f"event: sources\ndata: {data}\n\n"
            elif event:
                yield f"event: delta\ndata: {json.dumps({'text': event})}\n\n"
    except Exception as exc:  # the status line is sent: the error travels as an event
        yield f"event: error\ndata: {json.dumps(stream_error(exc))}\n\n"
    yield "event: done\ndata: {}\n\n"
