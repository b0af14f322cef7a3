"""Schema migrations on SQLite and PostgreSQL: fresh databases, concurrent starts, and a database
made by the service before migrations existed, upgraded in place with its keys kept."""

from __future__ import annotations

import hashlib
import secrets
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import (
    Column,
    DateTime,
    Engine,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    inspect,
    select,
)

from app.api.app import create_app
from app.core import migrations
from app.core.db import Base
from app.core.settings import AccessSettings
from app.services import Services
from app.tables import MIGRATED
from bench.support.server import serve
from tests.support.backends import database

BACKENDS = ["sqlite", "postgresql"]


@pytest.fixture(params=BACKENDS)
def url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    with database(request.param, tmp_path / "sql") as made:
        yield made


@pytest.fixture
def engine(url: str) -> Iterator[Engine]:
    built = create_engine(url)
    yield built
    built.dispose()


def _differences(engine: Engine) -> list[Any]:
    """What autogenerate would change to make the database match the table classes."""

    def owned(obj: Any, name: str | None, type_: str, reflected: bool, other: Any) -> bool:
        return type_ != "table" or name in MIGRATED

    with engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"include_object": owned, "compare_type": True}
        )
        return list(compare_metadata(context, Base.metadata))


def test_a_fresh_database_gets_the_latest_schema_matching_the_table_classes(
    engine: Engine,
) -> None:
    assert migrations.current(engine) is None
    migrations.upgrade(engine)
    assert migrations.current(engine) == migrations.head()
    assert set(inspect(engine).get_table_names()) >= MIGRATED | {"alembic_version"}
    assert _differences(engine) == []
    migrations.upgrade(engine)  # a second start changes nothing
    assert migrations.current(engine) == migrations.head()


def test_every_revision_downgrades_and_upgrades_again(engine: Engine) -> None:
    migrations.upgrade(engine)
    with engine.begin() as conn:
        command.downgrade(migrations.config(conn), "base")
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    migrations.upgrade(engine)
    assert _differences(engine) == []


def test_replicas_starting_together_migrate_once(url: str) -> None:
    engines = [create_engine(url) for _ in range(3)]
    errors: list[BaseException] = []

    def start(engine: Engine) -> None:
        try:
            migrations.upgrade(engine)
        except BaseException as exc:  # collected: a thread's exception would be lost
            errors.append(exc)

    threads = [threading.Thread(target=start, args=(e,)) for e in engines]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    try:
        assert errors == []
        assert migrations.current(engines[0]) == migrations.head()
    finally:
        for e in engines:
            e.dispose()


def _legacy_schema(engine: Engine) -> tuple[Table, Table]:
    """The tables exactly as `Base.metadata.create_all` made them before migrations."""
    old = MetaData()
    keys = Table(
        "api_keys",
        old,
        Column("key_id", String(16), primary_key=True),
        Column("name", String(100), nullable=False),
        Column("secret_sha256", String(64), nullable=False),
        Column("scopes", String(200), nullable=False),
        Column("created_at", DateTime(timezone=True), nullable=False),
        Column("revoked_at", DateTime(timezone=True), nullable=True),
    )
    turns = Table(
        "chat_turns",
        old,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("session_id", String(128), nullable=False, index=True),
        Column("role", String(16), nullable=False),
        Column("text", Text, nullable=False),
        Column("created_at", DateTime(timezone=True), nullable=False),
    )
    old.create_all(engine)
    return keys, turns


@pytest.mark.integration
@pytest.mark.parametrize("backend", BACKENDS)
def test_a_database_made_before_migrations_is_upgraded_in_place(
    backend: str, tmp_path: Path, services_factory: Callable[..., Services]
) -> None:
    # The SQLite store where the service keeps it by default, so the start finds it by itself.
    with database(backend, tmp_path / "data") as url:
        old = create_engine(url)
        keys, turns = _legacy_schema(old)
        key_id = secrets.token_hex(6)
        secret = f"crk_{key_id}_{secrets.token_urlsafe(32)}"
        now = datetime.now(UTC)
        with old.begin() as conn:
            conn.execute(
                keys.insert().values(
                    key_id=key_id,
                    name="made before migrations",
                    secret_sha256=hashlib.sha256(secret.encode()).hexdigest(),
                    scopes="chat",
                    created_at=now,
                )
            )
            conn.execute(
                turns.insert(),
                [
                    {"session_id": "user-42", "role": "user", "text": "hi", "created_at": now},
                    {"session_id": "user-42", "role": "assistant", "text": "yo", "created_at": now},
                ],
            )
        old.dispose()

        database_url = None if backend == "sqlite" else url
        services = services_factory(
            access=AccessSettings(require_api_key=True, database_url=database_url)
        )
        engine = services.engine
        assert migrations.current(engine) == migrations.head()
        assert _differences(engine) == []
        with engine.connect() as conn:
            assert conn.execute(select(keys.c.name)).scalars().all() == ["made before migrations"]
            # Old turns had no owner, so nobody could open them again: the upgrade drops them.
            assert conn.execute(select(turns.c.id)).all() == []
        with serve(create_app(services.settings, services)) as base:
            auth = {"Authorization": f"Bearer {secret}"}
            chat = httpx.post(f"{base}/v1/chat", json={"message": "What is WETH?"}, headers=auth)
            assert chat.status_code == 200
            old_session = httpx.post(
                f"{base}/v1/chat",
                json={"message": "and then?", "session_id": "user-42"},
                headers=auth,
            )
            assert old_session.status_code == 404
        assert [k.key_id for k in services.keys.list()] == [key_id]
