"""Alembic's environment: migrations run on the connection the service hands in."""

from __future__ import annotations

from typing import Any

from alembic import context
from sqlalchemy import create_engine

from app.core.db import Base
from app.tables import MIGRATED

cfg = context.config


def _owned(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
    # Tables made elsewhere (the ingest state creates its own) are not this history's to touch.
    return type_ != "table" or name in MIGRATED


def _run(connection: Any) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        include_object=_owned,
        render_as_batch=True,  # SQLite alters tables by copying them
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    raise SystemExit("offline (--sql) migrations are not supported; run them on a database")
if cfg.attributes.get("connection") is not None:
    _run(cfg.attributes["connection"])
else:  # the alembic command line, given -x url=...
    url = context.get_x_argument(as_dictionary=True).get("url") or cfg.get_main_option(
        "sqlalchemy.url"
    )
    if not url:
        raise SystemExit("pass the database: alembic -x url=sqlite:///data/cryptorag.db ...")
    with create_engine(url).begin() as conn:
        _run(conn)
