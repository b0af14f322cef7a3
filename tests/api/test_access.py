"""API keys with scopes, and rate limits, over real HTTP with the SQLite key store."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from app.api.app import create_app
from app.core.settings import AccessSettings
from app.services import Services
from bench.support.server import serve

pytestmark = pytest.mark.integration


def test_keys_are_required_scoped_hashed_and_revocable(
    services_factory: Callable[..., Services], tmp_path: Path
) -> None:
    services = services_factory(access=AccessSettings(require_api_key=True))
    search_key, search_secret = services.keys.create("analyst", ["search"])
    _, admin_secret = services.keys.create("ops", ["admin"])
    with serve(create_app(services.settings, services)) as url:
        query = {"query": "flash loans"}
        assert httpx.get(f"{url}/healthz").status_code == 200
        missing = httpx.post(f"{url}/v1/search", json=query)
        assert missing.status_code == 401
        assert missing.headers["www-authenticate"] == "Bearer"
        assert missing.json()["error"]["code"] == "unauthorized"
        bearer = {"Authorization": f"Bearer {search_secret}"}
        assert httpx.post(f"{url}/v1/search", json=query, headers=bearer).status_code == 200
        header = {"X-API-Key": search_secret}
        assert httpx.post(f"{url}/v1/search", json=query, headers=header).status_code == 200
        chat = httpx.post(f"{url}/v1/chat", json={"message": "hi there"}, headers=bearer)
        assert chat.status_code == 403
        assert "'chat'" in chat.json()["error"]["message"]
        admin = {"X-API-Key": admin_secret}
        assert httpx.get(f"{url}/v1/models", headers=admin).status_code == 200
        forged = {"X-API-Key": search_secret[:-2] + "xx"}
        assert httpx.post(f"{url}/v1/search", json=query, headers=forged).status_code == 401
        services.keys.revoke(search_key.key_id)
        assert httpx.post(f"{url}/v1/search", json=query, headers=bearer).status_code == 401
    raw = (
        sqlite3.connect(tmp_path / "data" / "cryptorag.db")
        .execute("select * from api_keys")
        .fetchall()
    )
    assert raw and search_secret not in str(raw) and admin_secret not in str(raw)


def test_open_by_default_and_any_key_is_accepted(
    services_factory: Callable[..., Services],
) -> None:
    services = services_factory()
    with serve(create_app(services.settings, services)) as url:
        assert httpx.get(f"{url}/v1/models").status_code == 200
        # OpenAI SDKs insist on some key; with keys optional, an unknown one is anonymous.
        dummy = httpx.get(f"{url}/v1/models", headers={"Authorization": "Bearer sk-unused"})
        assert dummy.status_code == 200


def test_rate_limit_answers_429_with_retry_after(
    services_factory: Callable[..., Services],
) -> None:
    services = services_factory(access=AccessSettings(rate_limit="3/minute"))
    with serve(create_app(services.settings, services)) as url:
        codes = [httpx.get(f"{url}/v1/models").status_code for _ in range(4)]
        assert codes == [200, 200, 200, 429]
        limited = httpx.get(f"{url}/v1/models")
        assert limited.json()["error"]["code"] == "rate_limited"
        assert 1 <= int(limited.headers["retry-after"]) <= 60
        assert httpx.get(f"{url}/healthz").status_code == 200
