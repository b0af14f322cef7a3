"""The floor of the serving stack: `POST /v1/chat/completions` on FastAPI and uvicorn, served by
the same worker processes as `cryptorag serve --workers N`, with nothing between the request and
the model but langchain-openai (no retrieval, no checks, no store). What the service answers per
second is measured against this in the same run (`bench.load --floor`).

Usage (from the repo root; bench.load starts it):
    .venv/bin/python -m bench.support.floor --port 8100 --workers 2   # FLOOR_LLM_URL: the model
"""

from __future__ import annotations

import argparse
import os
import time
import uuid
from typing import Any

import httpx
from fastapi import FastAPI
from langchain_core.messages import HumanMessage, SystemMessage
from langchain_openai import ChatOpenAI
from pydantic import BaseModel, SecretStr

# A system message about the size the service sends with five retrieved chunks.
SYSTEM = "Answer from the context below and cite it.\n\n" + "A sentence of context. " * 260
EXTRACTIVE = "A fixed answer of about the length of an extractive one. " * 12


class _Message(BaseModel):
    role: str
    content: str


class _Request(BaseModel):
    model: str
    messages: list[_Message]


def create_app() -> FastAPI:
    """The floor app: the model at FLOOR_LLM_URL when set, else a fixed answer (extractive)."""
    app = FastAPI()
    url = os.environ.get("FLOOR_LLM_URL")
    llm = (
        ChatOpenAI(
            base_url=url,
            api_key=SecretStr("not-needed"),
            model="floor",
            max_retries=1,
            http_async_client=httpx.AsyncClient(timeout=60),
        )
        if url
        else None
    )

    @app.post("/v1/chat/completions")
    async def completions(body: _Request) -> dict[str, Any]:
        text = EXTRACTIVE
        if llm is not None:
            text = ""
            async for chunk in llm.astream(
                [SystemMessage(SYSTEM), HumanMessage(body.messages[-1].content)]
            ):
                text += chunk.text
        return {
            "id": f"chatcmpl-{uuid.uuid4().hex}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": body.model,
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": text},
                    "finish_reason": "stop",
                }
            ],
        }

    return app


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    import uvicorn

    from app.cli.workers import Workers, listening_sockets

    config = uvicorn.Config(
        "bench.support.floor:create_app", factory=True, port=args.port, log_level="warning"
    )
    sockets = listening_sockets(config.host, config.port, args.workers, config.backlog)
    raise SystemExit(Workers(config, sockets).run())


if __name__ == "__main__":
    main()
