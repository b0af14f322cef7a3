"""Schema migrations (Alembic), run at start: every SQL store reaches the latest revision."""

from __future__ import annotations

import fcntl
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, inspect, text

HERE = Path(__file__).resolve().parent
# The schema `create_all` made before migrations existed (api_keys, unowned chat_turns).
LEGACY_REVISION = "0001"
# Any constant: PostgreSQL advisory lock that serialises replicas migrating at the same start.
_PG_LOCK = 0x63727970746F  # "crypto"


def config(connection: Connection | None = None) -> Config:
    """Alembic's configuration, without an ini file; the connection is handed to env.py."""
    cfg = Config()
    cfg.set_main_option("script_location", str(HERE))
    cfg.attributes["connection"] = connection
    return cfg


def upgrade(engine: Engine) -> None:
    """Migrate to the latest revision; a database made before migrations is adopted first."""
    with _file_lock(engine), engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_LOCK})
        cfg = config(conn)
        tables = set(inspect(conn).get_table_names())
        if "alembic_version" not in tables and "api_keys" in tables:
            command.stamp(cfg, LEGACY_REVISION)
        command.upgrade(cfg, "head")


def current(engine: Engine) -> str | None:
    """The revision a database is at; None before the first migration."""
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def head() -> str:
    """The latest revision shipped with the package."""
    from alembic.script import ScriptDirectory

    revision = ScriptDirectory.from_config(config()).get_current_head()
    assert revision is not None
    return revision


@contextmanager
def _file_lock(engine: Engine) -> Iterator[None]:
    """Serialise processes migrating one SQLite file (PostgreSQL uses an advisory lock)."""
    database = engine.url.database
    if engine.dialect.name != "sqlite" or not database or database == ":memory:":
        yield
        return
    with open(f"{database}.migrate.lock", "a+b") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
