"""Chat sessions in the service's SQL store: owned by their caller, expiring, capped in length."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from sqlalchemy import (
    JSON,
    CursorResult,
    DateTime,
    Engine,
    ForeignKey,
    Integer,
    String,
    Text,
    delete,
    select,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

from app.core.db import Base, sql_text
from app.core.errors import NotFound
from app.rag.context import Source
from app.rag.subject import Subject


class SessionNotFound(NotFound):
    """Unknown, expired, or another caller's: the same answer for all three."""

    code = "session_not_found"


class AnswerNotFound(NotFound):
    """No answer with this text was given in the session (or it aged out of it)."""

    code = "answer_not_found"


class SessionRow(Base):
    """One conversation; owner is the API key id that made it, None for anonymous callers."""

    __tablename__ = "chat_sessions"

    id: Mapped[str] = mapped_column(String(128), primary_key=True)
    owner: Mapped[str | None] = mapped_column(String(16), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_used_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    # What the conversation is about (app/rag/subject.py); it outlives the turns the cap drops.
    subject: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)


class TurnRow(Base):
    """One message of a session."""

    __tablename__ = "chat_turns"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    session_id: Mapped[str] = mapped_column(
        String(128), ForeignKey("chat_sessions.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # An answer's sources as the client saw them (source, title, url); None on questions.
    sources: Mapped[list[dict[str, str]] | None] = mapped_column(JSON, nullable=True)


@dataclass(frozen=True)
class StoredAnswer:
    """An answer the service gave, with the question it answered: what a rating may bind to."""

    turn_id: int
    session_id: str
    question: str
    answer: str
    sources: list[dict[str, str]] = field(default_factory=list)


def _utc(moment: datetime) -> datetime:
    # SQLite hands datetimes back without their zone; they were stored in UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class SessionStore:
    """Opens a caller's sessions and appends turns; a turn is a question with its answer."""

    def __init__(
        self,
        engine: Engine,
        ttl_s: float = 7 * 24 * 3600,
        max_turns: int = 10,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.engine = engine
        self.ttl = timedelta(seconds=ttl_s)
        self.max_turns = max_turns
        self.clock = clock

    @staticmethod
    def new_id() -> str:
        """An unguessable id for a new session; clients never choose one."""
        return secrets.token_urlsafe(24)

    def history(self, session_id: str, owner: str | None) -> list[tuple[str, str]]:
        """The stored messages of the caller's live session, oldest first; else SessionNotFound."""
        with Session(self.engine) as session:
            self._live(session, session_id, owner)
            rows = session.scalars(
                select(TurnRow).where(TurnRow.session_id == session_id).order_by(TurnRow.id)
            ).all()
        return [(r.role, r.text) for r in rows]

    def conversation(
        self, session_id: str, owner: str | None
    ) -> tuple[list[tuple[str, str]], Subject | None]:
        """The caller's live session: its messages, oldest first, and what it is about (None
        for a session stored before subjects were kept); else SessionNotFound."""
        with Session(self.engine) as session:
            row = self._live(session, session_id, owner)
            rows = session.scalars(
                select(TurnRow).where(TurnRow.session_id == session_id).order_by(TurnRow.id)
            ).all()
            subject = Subject.from_json(row.subject)
        return [(r.role, r.text) for r in rows], subject

    def check(self, session_id: str, owner: str | None) -> None:
        """SessionNotFound unless the session is live and the caller's."""
        with Session(self.engine) as session:
            self._live(session, session_id, owner)

    def append(
        self,
        session_id: str,
        owner: str | None,
        question: str,
        answer: str,
        sources: Sequence[Source] = (),
        subject: Subject | None = None,
    ) -> None:
        """Store a turn, creating the session on its first; the oldest turns beyond the cap go.
        `subject` is what the session is about after it (kept as it was when None)."""
        now = self.clock()
        about = subject.as_json() if subject is not None else None
        with Session(self.engine) as session, session.begin():
            row = session.get(SessionRow, session_id)
            if row is None:
                self._purge(session, now)
                session.add(
                    SessionRow(
                        id=session_id, owner=owner, created_at=now, last_used_at=now, subject=about
                    )
                )
                session.flush()
            elif row.owner != owner:
                raise SessionNotFound(_MISSING)
            else:
                row.last_used_at = now  # sliding expiry
                if about is not None:
                    row.subject = about
            session.add_all(
                [
                    TurnRow(
                        session_id=session_id, role="user", text=sql_text(question), created_at=now
                    ),
                    TurnRow(
                        session_id=session_id,
                        role="assistant",
                        text=sql_text(answer),
                        created_at=now,
                        sources=[_cited(s) for s in sources],
                    ),
                ]
            )
            session.flush()
            self._trim(session, session_id)

    def answer(
        self, session_id: str, owner: str | None, answer: str, question: str | None = None
    ) -> StoredAnswer:
        """The caller's newest stored answer with this text (and question, when one matches);
        SessionNotFound or AnswerNotFound otherwise."""
        wanted = sql_text(answer)
        with Session(self.engine) as session:
            self._live(session, session_id, owner)
            rows = session.scalars(
                select(TurnRow).where(TurnRow.session_id == session_id).order_by(TurnRow.id)
            ).all()
        found = []
        for n, row in enumerate(rows):
            if row.role != "assistant" or row.text != wanted:
                continue
            # Its question was stored in the same append, with the same timestamp.
            asked = next(
                (
                    u
                    for u in reversed(rows[:n])
                    if u.role == "user" and u.created_at == row.created_at
                ),
                None,
            )
            if asked is not None:
                found.append(
                    StoredAnswer(row.id, session_id, asked.text, row.text, list(row.sources or []))
                )
        if not found:
            raise AnswerNotFound(_NO_ANSWER)
        same = [
            f for f in found if question is not None and f.question == sql_text(question.strip())
        ]
        return (same or found)[-1]

    def purge_expired(self) -> int:
        """Delete expired sessions and their turns; how many sessions went."""
        with Session(self.engine) as session, session.begin():
            return self._purge(session, self.clock())

    def _live(self, session: Session, session_id: str, owner: str | None) -> SessionRow:
        row = session.get(SessionRow, session_id)
        if row is None or row.owner != owner or _utc(row.last_used_at) + self.ttl <= self.clock():
            raise SessionNotFound(_MISSING)
        return row

    def _trim(self, session: Session, session_id: str) -> None:
        # The id of the newest message beyond the cap; it and everything older are dropped.
        beyond = session.scalars(
            select(TurnRow.id)
            .where(TurnRow.session_id == session_id)
            .order_by(TurnRow.id.desc())
            .offset(2 * self.max_turns)
            .limit(1)
        ).first()
        if beyond is not None:
            session.execute(
                delete(TurnRow).where(TurnRow.session_id == session_id, TurnRow.id <= beyond)
            )

    def _purge(self, session: Session, now: datetime) -> int:
        expired = select(SessionRow.id).where(SessionRow.last_used_at <= now - self.ttl)
        session.execute(delete(TurnRow).where(TurnRow.session_id.in_(expired)))
        gone = session.execute(delete(SessionRow).where(SessionRow.id.in_(expired)))
        return cast(CursorResult[Any], gone).rowcount


def _cited(source: Source) -> dict[str, str]:
    shown = source.as_dict()
    return {k: sql_text(str(shown[k])) for k in ("source", "title", "url") if shown.get(k)}


_NO_ANSWER = (
    "this session gave no such answer (or it is older than the turns a session keeps); "
    "rate an answer exactly as the service returned it"
)
_MISSING = "no such session: unknown, expired, or not yours; omit session_id to start a new one"
