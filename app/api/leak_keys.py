"""Whose account an answer's share of the hidden prompt is charged to (app/rag/leakledger.py)."""

from __future__ import annotations

from fastapi import Request

from app.access.keys import ApiKey


def ledger_keys(request: Request, key: ApiKey | None, session_id: str | None = None) -> list[str]:
    """The session, if any, and the caller: its API key, else its address."""
    host = request.client.host if request.client else "-"
    caller = f"key:{key.key_id}" if key else f"addr:{host}"
    return ([f"session:{session_id}"] if session_id else []) + [caller]
