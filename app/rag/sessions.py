"""Chat history per session id, in the service's SQL store."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import DateTime, Engine, Integer, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from app.core.db import Base

MAX_TURNS = 20


class TurnRow(Base):
    """One message of a session."""

    __tablename__ = "chat_turns"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    session_id: Mapped[str] = mapped_column(String(128), index=True)
    role: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class SessionStore:
    """Appends turns and reads back the recent ones."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def history(self, session_id: str, limit: int = MAX_TURNS) -> list[tuple[str, str]]:
        """The last turns of a session, oldest first."""
        with Session(self.engine) as session:
            rows = session.scalars(
                select(TurnRow)
                .where(TurnRow.session_id == session_id)
                .order_by(TurnRow.id.desc())
                .limit(limit)
            ).all()
        return [(r.role, r.text) for r in reversed(rows)]

    def append(self, session_id: str, question: str, answer: str) -> None:
        """Store a question and its answer."""
        now = datetime.now(UTC)
        with Session(self.engine) as session:
            session.add_all(
                [
                    TurnRow(session_id=session_id, role="user", text=question, created_at=now),
                    TurnRow(session_id=session_id, role="assistant", text=answer, created_at=now),
                ]
            )
            session.commit()
