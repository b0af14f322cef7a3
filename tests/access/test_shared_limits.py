"""Rate limits in Redis shared by two real API processes (`cryptorag serve`) that also share
their keys in PostgreSQL: a client limited on one replica is limited on the other."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import httpx
import pytest
import redis
from sqlalchemy import create_engine

from app.access.keys import KeyStore
from app.core.migrations import upgrade
from tests.support.backends import postgres_schema, redis_url

pytestmark = [pytest.mark.integration, pytest.mark.slow]
CLI = Path(sys.executable).with_name("cryptorag")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def replica(env: dict[str, str], data_dir: Path, log: Path) -> Iterator[str]:
    """One `cryptorag serve` process on its own data dir; its base URL once healthy."""
    port = _free_port()
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [str(CLI), "serve", "--host", "127.0.0.1", "--port", str(port)],
            env={**env, "CRYPTORAG_DATA_DIR": str(data_dir)},
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            url = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 240
            while True:
                if proc.poll() is not None:
                    raise AssertionError(f"replica exited: {log.read_text()[-3000:]}")
                try:
                    if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline:
                    raise AssertionError(f"replica did not start: {log.read_text()[-3000:]}")
                time.sleep(0.5)
            yield url
        finally:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


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
            **{k: v for k, v in os.environ.items() if not k.startswith("CRYPTORAG_")},
            "HF_HUB_OFFLINE": "1",
            "CRYPTORAG_DATABASE_URL": database_url,
            "CRYPTORAG_REQUIRE_API_KEY": "true",
            "CRYPTORAG_RATE_LIMIT": "3/minute",
            "CRYPTORAG_RATE_LIMIT_STORAGE": storage,
        }
        try:
            with ExitStack() as stack:
                one, two = (
                    stack.enter_context(replica(env, tmp_path / n, tmp_path / f"{n}.log"))
                    for n in ("one", "two")
                )
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
