"""Every module that declares tables of the service's SQL store, wired here for the migrations."""

from __future__ import annotations

from app.access.keys import KeyRow
from app.feedback.store import FeedbackRow
from app.rag.sessions import SessionRow, TurnRow

# The tables whose schema the migrations in app/core/migrations own.
MIGRATED = frozenset(str(row.__tablename__) for row in (KeyRow, SessionRow, TurnRow, FeedbackRow))
