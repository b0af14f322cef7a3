"""The default SQLite store suits a server: a write-ahead log, commits without a sync, writers
that wait for each other instead of failing."""

from __future__ import annotations

import threading
from collections.abc import Callable

from sqlalchemy import text

from app.core.db import build_engine
from app.core.settings import Settings


def test_sqlite_runs_with_a_write_ahead_log(make_settings: Callable[..., Settings]) -> None:
    engine = build_engine(make_settings())
    try:
        with engine.connect() as conn:
            assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            assert conn.execute(text("PRAGMA synchronous")).scalar() == 1  # NORMAL
            assert conn.execute(text("PRAGMA busy_timeout")).scalar() == 30000
    finally:
        engine.dispose()


def test_two_engines_on_one_file_write_side_by_side(
    make_settings: Callable[..., Settings],
) -> None:
    """As two server workers do: a reader is never refused while the other writes."""
    settings = make_settings()
    first, second = build_engine(settings), build_engine(settings)
    try:
        with first.begin() as conn:
            conn.execute(text("CREATE TABLE t (n INTEGER)"))
        errors: list[BaseException] = []

        def write(engine: object, start: int) -> None:
            try:
                for n in range(start, start + 50):
                    with engine.begin() as conn:  # type: ignore[attr-defined]
                        conn.execute(text("INSERT INTO t VALUES (:n)"), {"n": n})
            except BaseException as exc:
                errors.append(exc)

        threads = [
            threading.Thread(target=write, args=(e, i * 100)) for i, e in enumerate((first, second))
        ]
        for t in threads:
            t.start()
        with second.connect() as reader:
            reader.execute(text("SELECT count(*) FROM t")).scalar()
        for t in threads:
            t.join()
        assert not errors
        with first.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM t")).scalar() == 100
    finally:
        first.dispose()
        second.dispose()
