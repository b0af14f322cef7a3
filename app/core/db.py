"""The SQL engine: SQLite in the data dir by default, any SQLAlchemy URL in production."""

from __future__ import annotations

from sqlalchemy import Engine, create_engine

from app.core.settings import Settings


def build_engine(settings: Settings) -> Engine:
    """One engine for the process."""
    url = settings.access.database_url
    if url is None:
        settings.store.data_dir.mkdir(parents=True, exist_ok=True)
        url = f"sqlite:///{settings.store.data_dir / 'cryptorag.db'}"
    return create_engine(url, pool_pre_ping=True)
