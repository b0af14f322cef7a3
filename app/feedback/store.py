"""Feedback in the service's SQL store: a rating with the question, answer and sources it rates."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from sqlalchemy import JSON, DateTime, Engine, Integer, String, Text, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from app.core.db import Base, sql_text

Rating = Literal["up", "down"]


class FeedbackRow(Base):
    """One rating; owner is the API key id that sent it, None for anonymous callers; turn_id is
    the stored answer it rates (None: a rating from before ratings were bound to answers)."""

    __tablename__ = "feedback"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    owner: Mapped[str | None] = mapped_column(String(16), nullable=True)
    session_id: Mapped[str | None] = mapped_column(String(128), nullable=True, index=True)
    rating: Mapped[str] = mapped_column(String(8))
    comment: Mapped[str | None] = mapped_column(Text, nullable=True)
    question: Mapped[str] = mapped_column(Text)
    answer: Mapped[str] = mapped_column(Text)
    sources: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    turn_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True, unique=True)


@dataclass(frozen=True)
class Feedback:
    """A stored rating as its readers see it."""

    id: str
    rating: Rating
    question: str
    answer: str
    sources: list[dict[str, Any]] = field(default_factory=list)
    comment: str | None = None
    session_id: str | None = None
    owner: str | None = None
    created_at: datetime | None = None
    turn_id: int | None = None

    @property
    def bound(self) -> bool:
        """True when it rates an answer the service is known to have given."""
        return self.turn_id is not None


class FeedbackStore:
    """Adds ratings and reads them back, oldest first."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def add(
        self,
        rating: Rating,
        question: str,
        answer: str,
        *,
        sources: Sequence[Mapping[str, str | None]] = (),
        comment: str | None = None,
        session_id: str | None = None,
        owner: str | None = None,
        turn_id: int | None = None,
    ) -> str:
        """Store one rating; its id. A rating of an answer already rated replaces that one."""
        values: dict[str, Any] = dict(
            owner=owner,
            session_id=session_id,
            rating=rating,
            comment=None if comment is None else sql_text(comment),
            question=sql_text(question),
            answer=sql_text(answer),
            sources=[{k: sql_text(v) for k, v in s.items() if v is not None} for s in sources],
            created_at=datetime.now(UTC),
            turn_id=turn_id,
        )
        try:
            return self._put(values)
        except IntegrityError:  # a rating of the same answer was stored meanwhile: replace it
            return self._put(values)

    def _put(self, values: dict[str, Any]) -> str:
        with Session(self.engine) as session, session.begin():
            old = None
            if values["turn_id"] is not None:
                old = session.scalars(
                    select(FeedbackRow).where(FeedbackRow.turn_id == values["turn_id"])
                ).first()
            if old is None:
                row = FeedbackRow(id=uuid.uuid4().hex, **values)
                session.add(row)
                return row.id
            old.rating, old.comment = values["rating"], values["comment"]
            old.created_at = values["created_at"]
            return old.id

    def list(self, since: datetime | None = None, limit: int | None = None) -> list[Feedback]:
        """Stored ratings, oldest first; since and limit narrow them."""
        query = select(FeedbackRow).order_by(FeedbackRow.created_at, FeedbackRow.id)
        if since is not None:
            query = query.where(FeedbackRow.created_at >= since)
        if limit is not None:
            query = query.limit(limit)
        with Session(self.engine) as session:
            return [_to_feedback(r) for r in session.scalars(query)]


def _to_feedback(row: FeedbackRow) -> Feedback:
    created = row.created_at if row.created_at.tzinfo else row.created_at.replace(tzinfo=UTC)
    return Feedback(
        id=row.id,
        rating="up" if row.rating == "up" else "down",
        question=row.question,
        answer=row.answer,
        sources=list(row.sources),
        comment=row.comment,
        session_id=row.session_id,
        owner=row.owner,
        created_at=created,
        turn_id=row.turn_id,
    )
