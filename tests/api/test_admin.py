"""Admin endpoints over real HTTP: always behind an admin key or the owner token."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from app.api.app import create_app
from app.core.settings import AccessSettings
from app.services import Services
from tests.support.server import serve

pytestmark = pytest.mark.integration
TOKEN = "owner-token-for-tests"


def test_admin_needs_an_admin_credential_even_when_keys_are_optional(
    services_factory: Callable[..., Services],
) -> None:
    services = services_factory(access=AccessSettings(require_api_key=False))
    _, search_secret = services.keys.create("analyst", ["search"])
    _, admin_secret = services.keys.create("ops", ["admin"])
    app = create_app(services.settings, services)
    app.state.owner_token = TOKEN
    with serve(app) as url:
        anonymous = httpx.get(f"{url}/v1/admin/stats")
        assert anonymous.status_code == 401 and anonymous.json()["error"]["code"] == "unauthorized"
        wrong = httpx.get(f"{url}/v1/admin/stats", headers={"X-API-Key": "nope"})
        assert wrong.status_code == 401
        scoped = httpx.get(f"{url}/v1/admin/stats", headers={"X-API-Key": search_secret})
        assert scoped.status_code == 403
        for secret in (admin_secret, TOKEN):
            ok = httpx.get(f"{url}/v1/admin/stats", headers={"Authorization": f"Bearer {secret}"})
            assert ok.status_code == 200 and ok.json()["chunks"] == 0


def test_ingest_stats_delete_and_ask(
    services_factory: Callable[..., Services], corpus: Path
) -> None:
    services = services_factory()
    app = create_app(services.settings, services)
    app.state.owner_token = TOKEN
    auth = {"Authorization": f"Bearer {TOKEN}"}
    with serve(app) as url, httpx.Client(base_url=url, headers=auth, timeout=300) as http:
        (corpus / "junk.bin").write_bytes(b"\x00\x01")
        body = http.post("/v1/admin/ingest", json={"targets": [str(corpus)]}).json()
        (report,) = body["reports"]
        assert report["failed"] and report["written"] >= 29
        assert [Path(where).name for where, _ in report["skipped"]] == ["junk.bin"]
        stats = http.get("/v1/admin/stats").json()
        assert stats["documents"] == report["written"] and stats["backend"] == "edge"
        assert stats["collection"] == "cryptorag"

        def found(q: str) -> set[str]:
            hits = http.post("/v1/search", json={"query": q, "top_k": 10}).json()["results"]
            return {h["metadata"]["source"] for h in hits}

        assert "convex.md" in found("cvxCRV convex")
        removed = http.post("/v1/admin/documents/delete", json={"sources": ["convex.md"]})
        assert removed.status_code == 200 and removed.json()["chunks"] > 0
        assert "convex.md" not in found("cvxCRV convex")
        after = http.get("/v1/admin/stats").json()
        assert after["chunks"] == stats["chunks"] - removed.json()["chunks"]
        answer = http.post("/v1/admin/ask", json={"question": "What is Curve's veCRV?"}).json()
        assert answer["answer"] and any(s["source"] == "curve.md" for s in answer["sources"])
        bad = http.post("/v1/admin/ingest", json={"targets": []})
        assert bad.status_code == 422 and "error" in bad.json()
