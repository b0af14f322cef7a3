"""A stand-in Telegram Bot API for tests: queued updates go out, every call is recorded.

It speaks the methods python-telegram-bot calls (getMe, getUpdates, deleteWebhook,
setMyCommands, sendMessage, sendChatAction, answerCallbackQuery, editMessageReplyMarkup) with
form-encoded or JSON parameters, and can refuse HTML messages the way Telegram does.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

TOKEN = "123456:TEST-token"
BOT_ID = 123456
USERNAME = "cryptorag_test_bot"


@dataclass
class FakeTelegram:
    """What the bot asked for and what it will receive."""

    updates: list[dict[str, Any]] = field(default_factory=list)
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    reject_html: bool = False
    chats: dict[int, dict[str, Any]] = field(default_factory=dict)
    _update_id: int = 0
    _message_id: int = 1000
    # The test pushes from its thread while the server confirms updates in its own.
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def me(self) -> dict[str, Any]:
        """The bot's own user."""
        return {
            "id": BOT_ID,
            "is_bot": True,
            "first_name": "CryptoRAG",
            "username": USERNAME,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }

    def push_message(
        self,
        chat_id: int,
        text: str,
        user_id: int | None = None,
        chat_type: str = "private",
        entities: list[dict[str, Any]] | None = None,
        reply_to: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Queue a text message from a user; a leading /command gets its entity."""
        chat = {"id": chat_id, "type": chat_type}
        chat |= {"first_name": "Ann"} if chat_type == "private" else {"title": "Group"}
        self.chats[chat_id] = chat
        user = {"id": user_id or abs(chat_id), "is_bot": False, "first_name": "Ann"}
        message: dict[str, Any] = {
            "message_id": self._next_message_id(),
            "date": int(time.time()),
            "chat": chat,
            "from": user,
            "text": text,
        }
        if text.startswith("/"):
            command = text.split()[0]
            entities = [{"type": "bot_command", "offset": 0, "length": len(command)}]
        if entities:
            message["entities"] = entities
        if reply_to:
            message["reply_to_message"] = reply_to
        return self._push({"message": message})

    def push_callback(self, user_id: int, data: str, message: dict[str, Any]) -> dict[str, Any]:
        """Queue a press on an inline button under `message`."""
        query = {
            "id": f"cq{self._update_id + 1}",
            "from": {"id": user_id, "is_bot": False, "first_name": "Ann"},
            "chat_instance": "1",
            "data": data,
            "message": message,
        }
        return self._push({"callback_query": query})

    def sent(self, chat_id: int | None = None) -> list[dict[str, Any]]:
        """The sendMessage calls Telegram accepted, oldest first."""
        return [
            p
            for m, p in self.calls
            if m == "sendMessage" and not p.get("_rejected")
            if chat_id is None or int(p["chat_id"]) == chat_id
        ]

    def methods(self) -> list[str]:
        """The names of every method called, in order."""
        return [m for m, _ in self.calls]

    def _push(self, update: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            self._update_id += 1
            update["update_id"] = self._update_id
            self.updates.append(update)
        return update

    def _next_message_id(self) -> int:
        self._message_id += 1
        return self._message_id

    def _message(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = int(params["chat_id"])
        out = {
            "message_id": self._next_message_id(),
            "date": int(time.time()),
            "chat": self.chats.get(chat_id, {"id": chat_id, "type": "private"}),
            "from": self.me,
            "text": params.get("text", ""),
        }
        if isinstance(params.get("reply_markup"), dict):
            out["reply_markup"] = params["reply_markup"]
        return out


def _ok(result: Any) -> JSONResponse:
    return JSONResponse({"ok": True, "result": result})


def _fail(status: int, description: str) -> JSONResponse:
    return JSONResponse(
        {"ok": False, "error_code": status, "description": description}, status_code=status
    )


async def _params(request: Request) -> dict[str, Any]:
    body = (await request.body()).decode()
    if request.headers.get("content-type", "").startswith("application/json"):
        return dict(json.loads(body or "{}"))
    params: dict[str, Any] = dict(parse_qsl(body))
    for key, value in params.items():
        # python-telegram-bot sends objects (reply_markup, link_preview_options) as JSON strings.
        if key != "text" and value[:1] in "{[":
            params[key] = json.loads(value)
    return params


def build_app(state: FakeTelegram, token: str = TOKEN) -> FastAPI:
    """The Bot API at /bot<token>/<method>."""
    app = FastAPI()

    @app.post("/bot{given}/{method}")
    async def call(given: str, method: str, request: Request) -> JSONResponse:
        if given != token:
            return _fail(401, "Unauthorized")
        params = await _params(request)
        if method == "getUpdates":
            return _ok(await _get_updates(state, params))
        if method == "sendMessage" and state.reject_html and params.get("parse_mode") == "HTML":
            state.calls.append((method, params | {"_rejected": True}))
            return _fail(400, "Bad Request: can't parse entities: unsupported start tag")
        state.calls.append((method, params))
        if method == "getMe":
            return _ok(state.me)
        if method == "sendMessage":
            return _ok(state._message(params))
        return _ok(True)

    return app


async def _get_updates(state: FakeTelegram, params: dict[str, Any]) -> list[dict[str, Any]]:
    """Confirm updates below the offset, then wait briefly for new ones (long polling)."""
    offset = int(params.get("offset") or 0)
    with state._lock:
        state.updates[:] = [u for u in state.updates if u["update_id"] >= offset]
    deadline = time.monotonic() + min(float(params.get("timeout") or 0), 0.5)
    while not state.updates and time.monotonic() < deadline:
        await asyncio.sleep(0.02)
    with state._lock:
        return list(state.updates)
