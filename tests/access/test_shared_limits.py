"""Rate limits in Redis shared by two real API processes (`cryptorag serve`) that also share
their keys in PostgreSQL: a client limited on one replica is limited on the other."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
import redis
from sqlalchemy import create_engine

from app.access.keys import KeyStore
from app.core.migrations import upgrade
from tests.support.backends import postgres_schema, redis_url
from tests.support.serve_cli import serve_processes

pytestmark = pytest.mark.integration


def test_a_client_limited_on_one_replica_is_limited_on_the_other(tmp_path: Path) -> None:
    storage = redis_url()
    with postgres_schema() as database_url:
        engine = create_engine(database_url)
        upgrade(engine)
        keys = KeyStore(engine)
        # Fresh keys: their limit buckets in Redis are this run's alone.
        client, secret = keys.create("client", ["chat"])
        other, other_secret = keys.create("other", ["chat"])
        engine.dispose()
        env = {
            "CRYPTORAG_DATABASE_URL": database_url,
            "CRYPTORAG_REQUIRE_API_KEY": "true",
            "CRYPTORAG_RATE_LIMIT": "3/minute",
            "CRYPTORAG_RATE_LIMIT_STORAGE": storage,
        }
        try:
            # Two replicas on their own data dirs, started together.
            with serve_processes([tmp_path / "one", tmp_path / "two"], env) as replicas:
                one, two = (r.url for r in replicas)
                auth = {"Authorization": f"Bearer {secret}"}
                codes = [httpx.get(f"{one}/v1/models", headers=auth).status_code for _ in range(3)]
                assert codes == [200, 200, 200]
                limited = httpx.get(f"{two}/v1/models", headers=auth)
                assert limited.status_code == 429
                assert limited.json()["error"]["code"] == "rate_limited"
                assert 1 <= int(limited.headers["retry-after"]) <= 60
                assert httpx.get(f"{one}/v1/models", headers=auth).status_code == 429
                # The limit is per caller: another key on the same replicas is not limited.
                fresh = {"Authorization": f"Bearer {other_secret}"}
                assert httpx.get(f"{two}/v1/models", headers=fresh).status_code == 200
        finally:
            conn = redis.Redis.from_url(storage)
            for key_id in (client.key_id, other.key_id):
                for name in conn.scan_iter(match=f"*key:{key_id}*"):
                    conn.delete(name)
            conn.close()
