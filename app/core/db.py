"""The SQL engine: SQLite in the data dir by default, any SQLAlchemy URL in production."""

from __future__ import annotations

from sqlalchemy import Engine, create_engine
from sqlalchemy.orm import DeclarativeBase

from app.core.settings import Settings


class Base(DeclarativeBase):
    """Tables of the service's SQL store (keys, chat sessions)."""


def build_engine(settings: Settings) -> Engine:
    """One engine for the process."""
    url = settings.access.database_url
    if url is None:
        settings.store.data_dir.mkdir(parents=True, exist_ok=True)
        url = f"sqlite:///{settings.store.data_dir / 'cryptorag.db'}"
    engine = create_engine(url, pool_pre_ping=True)
    import app.access.keys
    import app.rag.sessions  # noqa: F401  (their tables join Base.metadata)

    Base.metadata.create_all(engine)
    return engine
