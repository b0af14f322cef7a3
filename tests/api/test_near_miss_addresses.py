"""Strings written as an address that are not one open the answer, over /v1/chat."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from app.api.app import create_app
from app.services import Services
from bench.support.fake_llm import FakeLLM
from bench.support.server import serve

pytestmark = pytest.mark.integration
USDC = "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48"
NEAR = {
    "39 characters": USDC[:-1],
    "41 characters": USDC + "4",
    "a letter O": USDC[:12] + "O" + USDC[13:],
    "a g": USDC[:-1] + "g",
    "Ox for 0x": "Ox" + USDC[2:],
    "a space": USDC[:20] + " " + USDC[20:],
    "a wrong checksum": "0xa0B" + USDC[5:],
}


def _called_out(body: dict[str, object], raw: str) -> bool:
    answer = str(body["answer"])
    warnings = [str(w) for w in body["warnings"]]  # type: ignore[attr-defined]
    return answer.startswith(f"**Not an address:** `{raw}`") and any(raw in w for w in warnings)


def test_extractive_answer_opens_with_what_is_wrong(
    sample_services: Callable[..., Services],
) -> None:
    services = sample_services()
    with serve(create_app(services.settings, services)) as url:
        for kind, raw in NEAR.items():
            r = httpx.post(f"{url}/v1/chat", json={"message": f"What is {raw}?"}, timeout=60)
            assert r.status_code == 200, r.text
            assert _called_out(r.json(), raw), kind
            assert r.json()["sources"] == [], kind  # nothing else was asked: nothing quoted


def test_model_answer_opens_with_what_is_wrong_too(
    service: tuple[FakeLLM, str, Services],
) -> None:
    state, url, _ = service
    state.replies.append("USDC is a stablecoin.")
    raw = NEAR["41 characters"]
    r = httpx.post(f"{url}/v1/chat", json={"message": f"Is {raw} USDC?"}, timeout=60)
    assert r.status_code == 200, r.text
    body = r.json()
    assert _called_out(body, raw)
    assert body["answer"].endswith("USDC is a stablecoin.")
