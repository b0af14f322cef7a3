"""OpenAI Chat Completions: POST /v1/chat/completions (plain and streaming) and GET /v1/models.

Any OpenAI client (the SDKs, LangChain's ChatOpenAI, chat front ends) can use the service. The
last user message is the question and earlier user and assistant turns are the history; client
system messages are ignored, because the hidden system prompt is the service's. Sources travel as
[n] markers in the text and in a top-level `sources` field, which the SDKs keep as an extra.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any, Literal

from fastapi import APIRouter, Depends, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from app.api.deps import AnswersDep, ChatKeyDep, SettingsDep, chat_key
from app.api.errors import stream_error
from app.api.leak_keys import ledger_keys
from app.api.schemas import STREAMING_RESPONSES, SourceOut, sources_out
from app.api.validation import check_question
from app.core.errors import BadRequest
from app.rag.answer import Answer, History, Sources

router = APIRouter(tags=["openai"], dependencies=[Depends(chat_key)])
MODEL_ID = "cryptorag"


class ContentPart(BaseModel):
    """One part of a multi-part message; only text parts are read."""

    model_config = ConfigDict(extra="allow")

    type: str
    text: str | None = None


class Message(BaseModel):
    """A chat message as OpenAI clients send it."""

    model_config = ConfigDict(extra="allow")

    role: Literal["system", "developer", "user", "assistant", "tool", "function"]
    content: str | list[ContentPart] | None = None

    def text(self) -> str:
        """The message's text, parts joined."""
        if isinstance(self.content, list):
            return "\n".join(p.text for p in self.content if p.type == "text" and p.text)
        return self.content or ""


class CompletionRequest(BaseModel):
    """The fields of a Chat Completions request that the service reads; others are ignored."""

    model_config = ConfigDict(extra="allow")

    model: str = MODEL_ID
    messages: list[Message] = Field(min_length=1, max_length=200)
    stream: bool = False
    max_tokens: int | None = Field(default=None, ge=1)
    max_completion_tokens: int | None = Field(default=None, ge=1)


class Usage(BaseModel):
    """Word-piece counts of the question and the answer."""

    prompt_tokens: int
    completion_tokens: int
    total_tokens: int


class ChoiceMessage(BaseModel):
    role: Literal["assistant"] = "assistant"
    content: str


class Choice(BaseModel):
    index: int = 0
    message: ChoiceMessage
    finish_reason: Literal["stop", "length", "content_filter"] = "stop"


class Completion(BaseModel):
    """A chat.completion object with the answer's sources as an extra field."""

    id: str
    object: Literal["chat.completion"] = "chat.completion"
    created: int
    model: str
    choices: list[Choice]
    usage: Usage
    sources: list[SourceOut] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list)
    unverified_addresses: list[str] = Field(default_factory=list)
    answerable: bool = True  # false: the knowledge base does not cover the question


class ModelCard(BaseModel):
    id: str
    object: Literal["model"] = "model"
    created: int
    owned_by: str = "cryptorag"


class ModelList(BaseModel):
    object: Literal["list"] = "list"
    data: list[ModelCard]


@router.get("/v1/models", response_model=ModelList)
async def models() -> ModelList:
    """The one model this service offers: retrieval plus the configured LLM."""
    return ModelList(data=[ModelCard(id=MODEL_ID, created=0)])


@router.post(
    "/v1/chat/completions",
    response_model=Completion,
    responses=STREAMING_RESPONSES,
)
async def completions(
    request: Request,
    body: CompletionRequest,
    answers: AnswersDep,
    settings: SettingsDep,
    key: ChatKeyDep,
) -> Completion | StreamingResponse:
    """Answer the last user message from the knowledge base, in the OpenAI shape."""
    question, history = _split(body.messages, settings.api.max_question_chars)
    max_tokens = body.max_completion_tokens or body.max_tokens
    completion_id = f"chatcmpl-{uuid.uuid4().hex}"
    created = int(time.time())
    keys = ledger_keys(request, key)
    if body.stream:
        events = answers.stream(question, history=history, max_tokens=max_tokens, ledger_keys=keys)
        return StreamingResponse(
            _chunks(events, completion_id, created, body.model), media_type="text/event-stream"
        )
    result = await answers.answer(
        question, history=history, max_tokens=max_tokens, ledger_keys=keys
    )
    finish: Literal["stop", "content_filter"] = "content_filter" if result.cut else "stop"
    return Completion(
        id=completion_id,
        created=created,
        model=body.model,
        choices=[Choice(message=ChoiceMessage(content=result.answer), finish_reason=finish)],
        usage=Usage(**result.usage),
        sources=sources_out(result.sources),
        warnings=result.warnings,
        unverified_addresses=result.unverified,
        answerable=result.answerable,
    )


def _split(messages: list[Message], limit: int) -> tuple[str, History]:
    """The question (the last user message) and the user/assistant turns before it."""
    turns = [(m.role, m.text()) for m in messages if m.role in ("user", "assistant")]
    if not turns or turns[-1][0] != "user":
        raise BadRequest("messages must end with a user message", code="invalid_messages")
    question = check_question(turns[-1][1], limit, "the last user message")
    history: History = [(str(r), t[:limit]) for r, t in turns[:-1][-20:] if t.strip()]
    return question, history


def _chunk(cid: str, created: int, model: str, delta: dict[str, Any], **extra: Any) -> str:
    body = {
        "id": cid,
        "object": "chat.completion.chunk",
        "created": created,
        "model": model,
        "choices": [{"index": 0, "delta": delta, "finish_reason": extra.pop("finish", None)}],
        **extra,
    }
    return f"data: {json.dumps(body)}\n\n"


async def _chunks(
    events: AsyncIterator[str | Sources | Answer], cid: str, created: int, model: str
) -> AsyncIterator[str]:
    """SSE chunks: the role, the text as it is written, the end with sources and usage."""
    yield _chunk(cid, created, model, {"role": "assistant", "content": ""})
    try:
        async for event in events:
            if isinstance(event, Answer):
                sources = [s.model_dump(exclude_none=True) for s in sources_out(event.sources)]
                yield _chunk(
                    cid,
                    created,
                    model,
                    {},
                    finish="content_filter" if event.cut else "stop",
                    usage=event.usage,
                    sources=sources,
                    warnings=event.warnings,
                    unverified_addresses=event.unverified,
                    answerable=event.answerable,
                )
            elif isinstance(event, Sources):  # listed with the last chunk, as clients expect
                continue
            elif event:
                yield _chunk(cid, created, model, {"content": event})
    except Exception as exc:  # the status line is sent: the error travels as a data line
        yield f"data: {json.dumps(stream_error(exc))}\n\n"
    yield "data: [DONE]\n\n"
