"""A small OpenAI-compatible chat server for tests: records requests, replies from a queue."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse, PlainTextResponse, StreamingResponse


@dataclass
class FakeLLM:
    """State of the stand-in model: what it received and what it will say."""

    replies: list[str] = field(default_factory=list)
    requests: list[dict[str, Any]] = field(default_factory=list)
    delay_s: float = 0.0
    fail_status: int | None = None
    malformed: bool = False  # answer 200 with a body that is not JSON
    endless: bool = False  # stream the reply over and over, never finishing
    stream_closed: threading.Event = field(default_factory=threading.Event)  # an endless one ended
    default_reply: str = "The knowledge base answers this [1]."

    def next_reply(self) -> str:
        """The queued reply, or the default one."""
        return self.replies.pop(0) if self.replies else self.default_reply


def build_app(state: FakeLLM) -> FastAPI:
    """An app speaking enough of the Chat Completions protocol for ChatOpenAI and the SDK."""
    app = FastAPI()

    @app.get("/v1/models")
    async def models() -> dict[str, Any]:
        return {"object": "list", "data": [{"id": "fake-model", "object": "model"}]}

    @app.post("/v1/chat/completions", response_model=None)
    async def completions(request: Request) -> Response:
        body = await request.json()
        state.requests.append(body)
        if state.delay_s:
            await asyncio.sleep(state.delay_s)
        if state.fail_status:
            return JSONResponse(
                {"error": {"message": "down", "type": "server_error"}},
                status_code=state.fail_status,
            )
        if state.malformed:
            return PlainTextResponse("{not json", media_type="application/json")
        text = state.next_reply()
        created = int(time.time())
        if body.get("stream"):
            chunks = (
                _endless(text, created, state, request) if state.endless else _stream(text, created)
            )
            return StreamingResponse(chunks, media_type="text/event-stream")
        return JSONResponse(
            {
                "id": "chatcmpl-fake",
                "object": "chat.completion",
                "created": created,
                "model": body.get("model", "fake-model"),
                "choices": [
                    {
                        "index": 0,
                        "finish_reason": "stop",
                        "message": {"role": "assistant", "content": text},
                    }
                ],
                "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15},
            }
        )

    return app


async def _stream(text: str, created: int) -> AsyncIterator[str]:
    words = text.split(" ")
    for n, word in enumerate(words):
        piece = word if n == len(words) - 1 else word + " "
        chunk = {
            "id": "chatcmpl-fake",
            "object": "chat.completion.chunk",
            "created": created,
            "model": "fake-model",
            "choices": [{"index": 0, "delta": {"content": piece}, "finish_reason": None}],
        }
        yield f"data: {json.dumps(chunk)}\n\n"
    yield "data: [DONE]\n\n"


async def _endless(text: str, created: int, state: FakeLLM, request: Request) -> AsyncIterator[str]:
    try:
        # Until the reader hangs up: the response itself never notices a closed connection.
        while not await request.is_disconnected():
            async for event in _stream(text, created):
                if event != "data: [DONE]\n\n":
                    yield event
    finally:
        state.stream_closed.set()


def create_app_from_env() -> FastAPI:
    """The stand-in as its own process (for benchmarks): FAKE_LLM_DELAY_S sets its latency."""
    import os

    return build_app(FakeLLM(delay_s=float(os.environ.get("FAKE_LLM_DELAY_S", "0"))))
