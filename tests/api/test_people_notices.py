"""Over /v1/chat: answers say what a person can act on; settings stay with the operator."""

from __future__ import annotations

import logging
from collections.abc import Callable

import httpx
import pytest

from app.api.app import create_app
from app.services import Services
from bench.support.server import serve

pytestmark = pytest.mark.integration
WETH = "0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2"


def test_no_configuration_hint_reaches_the_answer_or_its_warnings(
    sample_services: Callable[..., Services], caplog: pytest.LogCaptureFixture
) -> None:
    services = sample_services()
    with serve(create_app(services.settings, services)) as url, caplog.at_level(logging.WARNING):
        r = httpx.post(f"{url}/v1/chat", json={"message": f"What is {WETH}?"}, timeout=60)
    assert r.status_code == 200, r.text
    body = r.json()
    said = body["answer"] + " ".join(body["warnings"])
    assert "CRYPTORAG_" not in said
    assert "live state of this address on Ethereum was not read" in body["answer"]
    assert body["answer"].lower().count("language model") == 1
    assert "CRYPTORAG_RPC_URLS" in caplog.text  # the operator is told what to set
