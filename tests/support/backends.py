"""The production SQL store and Redis on loopback: a fresh PostgreSQL schema per use, and the
rule that a missing service skips a test on a laptop but fails it when CI is set."""

from __future__ import annotations

import os
import secrets
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tests.support.integration import require

PG_HOST, PG_PORT, PG_DB = "127.0.0.1", 5432, "test"
REDIS_HOST, REDIS_PORT = "127.0.0.1", 6379


def need(service: str, host: str, port: int) -> None:
    """Skip when the service is unreachable; fail instead when CI is set."""
    try:
        socket.create_connection((host, port), timeout=2).close()
    except OSError as exc:
        message = f"{service} is not reachable on {host}:{port} ({exc})"
        if os.environ.get("CI"):
            pytest.fail(f"{message}; CI is set, so this is a failure, not a skip")
        pytest.skip(message)


@contextmanager
def postgres_schema() -> Iterator[str]:
    """A SQLAlchemy URL whose tables land in a new schema of database `test`; dropped after."""
    require("PostgreSQL")
    need("PostgreSQL", PG_HOST, PG_PORT)
    schema = f"cryptorag_test_{secrets.token_hex(6)}"
    base = f"postgresql+psycopg://{PG_HOST}:{PG_PORT}/{PG_DB}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        yield f"{base}?options=-csearch_path%3D{schema}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


@contextmanager
def database(kind: str, folder: Path) -> Iterator[str]:
    """A fresh, empty database of this kind (`sqlite` in folder, or `postgresql`)."""
    if kind == "sqlite":
        folder.mkdir(parents=True, exist_ok=True)
        yield f"sqlite:///{folder / 'cryptorag.db'}"
    else:
        with postgres_schema() as url:
            yield url


def redis_url() -> str:
    """A Redis database for rate limits; callers keep their keys unique per test run."""
    require("Redis")
    need("Redis", REDIS_HOST, REDIS_PORT)
    return f"redis://{REDIS_HOST}:{REDIS_PORT}/0"
