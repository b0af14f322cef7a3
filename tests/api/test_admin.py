"""Admin endpoints over real HTTP: always behind an admin key or the owner token."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from app.api.app import create_app
from app.core.settings import AccessSettings
from app.services import Services
from bench.support.server import serve

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
        assert {s["trust"] for s in answer["sources"]} == {"operator"}  # as a local ask says
        bad = http.post("/v1/admin/ingest", json={"targets": []})
        assert bad.status_code == 422 and "error" in bad.json()


def test_a_registry_with_a_huge_integer_is_skipped_not_a_500(
    services_factory: Callable[..., Services], tmp_path: Path
) -> None:
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "huge.yaml").write_text(f"- name: Curve\n  tvl: {'9' * 5000}\n")
    (folder / "huge.json").write_text(f'[{{"name": "Curve", "tvl": {"9" * 5000}}}]')
    (folder / "weth.md").write_text("# WETH\n\nWrapped Ether is an ERC-20 token for ETH.\n")
    services = services_factory()
    app = create_app(services.settings, services)
    app.state.owner_token = TOKEN
    auth = {"Authorization": f"Bearer {TOKEN}"}
    with serve(app) as url, httpx.Client(base_url=url, headers=auth, timeout=300) as http:
        answer = http.post("/v1/admin/ingest", json={"targets": [str(folder)]})
        assert answer.status_code == 200, answer.text
        (report,) = answer.json()["reports"]
    assert report["failed"] and report["written"] == 1
    skipped = {Path(where).name: reason for where, reason in report["skipped"]}
    assert set(skipped) == {"huge.json", "huge.yaml"}
    assert all("Exceeds the limit (4300 digits)" in r for r in skipped.values())
