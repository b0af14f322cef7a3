"""Over /v1/chat: a document on several chains places each of its addresses on its own chain."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from app.api.app import create_app
from app.services import Services
from bench.support.server import serve
from tests.conftest import ingest

pytestmark = pytest.mark.integration
TOKEN = "0x" + "7b" * 20
TOKEN_ARB = "0x" + "8c" * 20


def test_each_address_is_on_the_chain_its_front_matter_gives(
    services_factory: Callable[..., Services], tmp_path: Path
) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "kite.md").write_text(
        "---\ntitle: Kite token\ntype: contract\nchain: [ethereum, arbitrum]\n"
        f"addresses:\n  ethereum: '{TOKEN}'\n  arbitrum: '{TOKEN_ARB}'\n---\n"
        "Kite is a governance token of the Kite lending protocol.\n"
    )
    services = services_factory()
    report = ingest(services, docs)
    assert not report.failed and report.warnings == []
    with serve(create_app(services.settings, services)) as url:
        for address, chain in ((TOKEN_ARB, "Arbitrum"), (TOKEN, "Ethereum")):
            r = httpx.post(f"{url}/v1/chat", json={"message": f"What is {address}?"}, timeout=60)
            assert r.status_code == 200, r.text
            answer = r.json()["answer"]
            assert "['" not in answer
            assert f"on {chain}: Kite token" in answer, answer
