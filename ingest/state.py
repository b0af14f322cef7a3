"""Incremental ingest state in SQL (SQLite in the data dir): fetch validators and content hashes."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime, Engine, String, Text, delete, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from app.core.db import Base


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class SourceRow(Base):
    """One source (a feed, a page): what the last successful fetch returned."""

    __tablename__ = "ingest_sources"

    key: Mapped[str] = mapped_column(String(2048), primary_key=True)
    etag: Mapped[str | None] = mapped_column(String(512))
    last_modified: Mapped[str | None] = mapped_column(String(128))
    content_hash: Mapped[str | None] = mapped_column(String(64))
    fetched_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    error: Mapped[str | None] = mapped_column(Text)


class DocumentRow(Base):
    """One document a source produced, with the fingerprint stored in the knowledge base."""

    __tablename__ = "ingest_documents"

    doc_id: Mapped[str] = mapped_column(String(2048), primary_key=True)
    source_key: Mapped[str] = mapped_column(String(2048), index=True)
    content_hash: Mapped[str] = mapped_column(String(64))
    seen_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now)


class IngestState:
    """Reads and writes the state; every write is its own transaction."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        Base.metadata.create_all(engine, tables=[SourceRow.__table__, DocumentRow.__table__])  # type: ignore[list-item]

    def source(self, key: str) -> SourceRow | None:
        """The stored state of a source, if it was ever fetched."""
        with Session(self.engine, expire_on_commit=False) as s:
            return s.get(SourceRow, key)

    def save_source(
        self,
        key: str,
        etag: str | None,
        last_modified: str | None,
        content_hash: str | None,
        documents: dict[str, str],
    ) -> None:
        """Record a completed fetch and the documents it wrote, in one transaction.

        Called only after the documents are in the store: a crash before this point means the
        next run fetches again (no conditional headers), so nothing is skipped that was not written.
        """
        with Session(self.engine) as s, s.begin():
            row = s.get(SourceRow, key) or SourceRow(key=key)
            row.etag, row.last_modified, row.content_hash = etag, last_modified, content_hash
            row.fetched_at, row.error = _now(), None
            s.add(row)
            for doc_id, digest in documents.items():
                doc = s.get(DocumentRow, doc_id) or DocumentRow(doc_id=doc_id, source_key=key)
                doc.content_hash, doc.seen_at, doc.source_key = digest, _now(), key
                s.add(doc)

    def save_error(self, key: str, error: str) -> None:
        """Remember why the last fetch failed (validators are kept)."""
        with Session(self.engine) as s, s.begin():
            row = s.get(SourceRow, key) or SourceRow(key=key)
            row.error = error[:2000]
            s.add(row)

    def documents(self, key: str) -> dict[str, str]:
        """Document ids and hashes a source produced."""
        with Session(self.engine) as s:
            rows = s.scalars(select(DocumentRow).where(DocumentRow.source_key == key))
            return {r.doc_id: r.content_hash for r in rows}

    def forget(self, key: str, doc_ids: list[str] | None = None) -> None:
        """Drop a source's documents (all, or the listed ones) from the state."""
        with Session(self.engine) as s, s.begin():
            stmt = delete(DocumentRow).where(DocumentRow.source_key == key)
            if doc_ids is not None:
                stmt = stmt.where(DocumentRow.doc_id.in_(doc_ids))
            s.execute(stmt)
