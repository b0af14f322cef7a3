"""ASGI middleware: a request id on every response and log line, and request-body limits."""

from __future__ import annotations

import json
import re
import uuid
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.core.logging import request_id
from app.core.nesting import MAX_JSON_DEPTH, NestingError, check_json_depth

_SANE_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")


class RequestContext:
    """Takes a sane X-Request-ID from the client or makes one; echoes it on the response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = dict(scope["headers"]).get(b"x-request-id", b"").decode("latin-1")
        rid = given if _SANE_ID.match(given) else uuid.uuid4().hex
        token = request_id.set(rid)

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (b"x-request-id", rid.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            request_id.reset(token)


class BodyLimit:
    """Refuses bodies over the size limit (413) or nested too deep (400) before any parsing."""

    def __init__(self, app: ASGIApp, max_bytes: int, max_depth: int = MAX_JSON_DEPTH) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.max_depth = max_depth

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(
                send, 413, "body_too_large", f"request body exceeds {self.max_bytes} bytes"
            )
            return
        # Bodies are small JSON: read up to the limit, then replay them to the app.
        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                await self._refuse(
                    send, 413, "body_too_large", f"request body exceeds {self.max_bytes} bytes"
                )
                return
            chunks.append(chunk)
            more = message.get("more_body", False)
        body = b"".join(chunks)
        # JSON parsers recurse once per level: a deep body is refused before one sees it.
        try:
            check_json_depth(body, self.max_depth, what="request body")
        except NestingError as exc:
            await self._refuse(send, 400, "body_too_deep", str(exc))
            return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _refuse(self, send: Send, status: int, code: str, message: str) -> None:
        payload: dict[str, Any] = {"error": {"code": code, "message": message}}
        raw = json.dumps(payload).encode()
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(raw)).encode()),
                    (b"x-request-id", request_id.get().encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": raw})
