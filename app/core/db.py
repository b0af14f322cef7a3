"""The SQL engine: SQLite in the data dir by default, any SQLAlchemy URL in production."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, MetaData, create_engine, event
from sqlalchemy.orm import DeclarativeBase

from app.core.settings import Settings

# Named constraints and indexes: Alembic's batch mode (SQLite) can only alter what has a name.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
}


class Base(DeclarativeBase):
    """Tables of the service's SQL store; each table module declares its own on this base."""

    metadata = MetaData(naming_convention=NAMING)


def database_url(settings: Settings) -> str:
    """CRYPTORAG_DATABASE_URL, or SQLite in the data dir."""
    url = settings.access.database_url
    if url is None:
        settings.store.data_dir.mkdir(parents=True, exist_ok=True)
        url = f"sqlite:///{settings.store.data_dir / 'cryptorag.db'}"
    return url


def build_engine(settings: Settings) -> Engine:
    """One engine for the process, its schema migrated to the latest revision."""
    from app.core.migrations import upgrade

    url = database_url(settings)
    engine = create_engine(url, pool_pre_ping=True)
    if url.startswith("sqlite"):
        event.listen(engine, "connect", _sqlite_for_a_server)
    try:
        upgrade(engine)
    except Exception:
        engine.dispose()
        raise
    return engine


def _sqlite_for_a_server(connection: Any, _: Any) -> None:
    """Write-ahead log: readers never wait for a writer (the workers of `serve --workers` share
    the file), and a commit appends without a sync; a power cut can lose the last commits (chat
    turns, a key revoked a moment before), never corrupt the file (https://www.sqlite.org/wal.html).
    A deployment that needs every commit on disk uses PostgreSQL (CRYPTORAG_DATABASE_URL)."""
    cursor = connection.cursor()
    cursor.execute("PRAGMA busy_timeout=30000")  # a writer waits for another, up to 30 s
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def sql_text(value: str) -> str:
    """Text every backend can store: PostgreSQL refuses NUL characters in text columns."""
    return value.replace("\x00", "")
