"""The SQL engine: SQLite in the data dir by default, any SQLAlchemy URL in production."""

from __future__ import annotations

from sqlalchemy import Engine, MetaData, create_engine
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

    engine = create_engine(database_url(settings), pool_pre_ping=True)
    try:
        upgrade(engine)
    except Exception:
        engine.dispose()
        raise
    return engine


def sql_text(value: str) -> str:
    """Text every backend can store: PostgreSQL refuses NUL characters in text columns."""
    return value.replace("\x00", "")
