"""What the app serves for the page: /, its assets under /web/, and GET /v1/chains."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from app.api.app import create_app
from app.core.settings import AccessSettings, ChainSettings
from app.evm.addresses import ADDRESS_RE
from app.evm.chains import BY_NAME, words_pattern
from app.services import Services


def test_page_assets_and_chains(services_factory: Callable[..., Services]) -> None:
    services = services_factory(
        access=AccessSettings(require_api_key=True),
        chains=ChainSettings(rpc_urls={"base": "http://127.0.0.1:9"}, default_chain="mainnet"),
    )
    with TestClient(create_app(services.settings, services)) as client:
        page = client.get("/")
        assert page.status_code == 200 and "text/html" in page.headers["content-type"]
        csp = page.headers["content-security-policy"]
        assert "script-src 'self'" in csp and "img-src 'self' data:" in csp
        head = page.text.split("<body")[0]
        assert '<script src="/web/app.js"' in head and "http" not in head  # nothing from a CDN
        for asset in ("/web/app.js", "/web/style.css", "/web/vendor/purify.min.js"):
            assert client.get(asset).status_code == 200, asset
        assert "marked v18.2.1" in client.get("/web/vendor/marked.umd.js").text
        # The Python package beside the assets is not served; unknown API paths stay JSON 404s.
        assert client.get("/web/__init__.py").status_code == 404
        missing = client.post("/v1/nothing-here", json={})
        assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
        # Open without a key: the page reads here whether it must ask for one.
        body = client.get("/v1/chains").json()
    assert body["require_api_key"] is True
    assert body["default_chain"] == "ethereum"  # the alias resolved to the canonical name
    # The page reads addresses with the service's own pattern.
    assert body["address_pattern"] == ADDRESS_RE.pattern
    chains = {c["name"]: c for c in body["chains"]}
    assert chains["ethereum"]["explorer"] == "https://etherscan.io"
    assert chains["ethereum"]["rpc"] is False and chains["base"]["rpc"] is True
    assert chains["base"] == {
        "name": "base",
        "label": "Base",
        "chain_id": 8453,
        "explorer": "https://basescan.org",
        "aliases": [],
        "ambiguous": ["base"],
        "names_pattern": None,
        "words_pattern": words_pattern(BY_NAME["base"]),
        "rpc": True,
    }
    assert "arbitrum one" in chains["arbitrum"]["aliases"]
    assert "127.0.0.1:9" not in str(body)
