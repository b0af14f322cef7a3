"""Markdown forms renderers accept and addresses in other spellings, sent by the stand-in model
on all four answer routes: the client gets no foreign link, image or HTML, and no invented
address it can read whole."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from app.api.app import create_app
from app.services import Services
from bench.support.fake_llm import FakeLLM
from bench.support.server import serve
from tests.conftest import ingest
from tests.support.answer_routes import ROUTES, ask
from tests.support.hostile_markdown import (
    BANNED,
    INVENTED,
    REPLY,
    SPELLINGS,
    rendered_targets,
    shows_invented,
)

pytestmark = pytest.mark.integration

VAULT = "0xBA12222222228d8Ba445958a75a0704d566BF2C8"  # Balancer's Vault, in the sample corpus


@pytest.mark.parametrize("route", ROUTES)
def test_markdown_forms_and_address_spellings_never_reach_the_client(
    service: tuple[FakeLLM, str, Services], route: str
) -> None:
    state, url, _ = service
    spelled = "\n\n".join(f"{name}: {s}" for name, s in SPELLINGS.items())
    grounded = VAULT[:12] + "**" + VAULT[12:] + "**"  # a known address, split by emphasis
    state.replies.append(f"{REPLY}\n\nThe vault is {grounded} [1].\n\n{spelled}")
    text, meta = ask(url, route, "Where do Balancer flash loans come from?")
    assert not any(bad in text for bad in BANNED), text
    assert rendered_targets(text) == []
    assert text.startswith("Here is what I found [1].") and "That is all." in text
    assert not shows_invented(text), text
    assert text.count("0x1234…5678 [unverified address]") == len(SPELLINGS)
    assert meta["unverified_addresses"] == [INVENTED]
    assert f"The vault is {VAULT} [1]." in text
    if "warnings" in meta:
        warnings = " ".join(meta["warnings"])  # type: ignore[arg-type]
        assert "link removed" in warnings and "raw HTML removed" in warnings


def test_a_source_url_that_is_not_http_is_neither_listed_nor_linked(
    services_factory: Callable[..., Services], fake_llm: tuple[FakeLLM, str], tmp_path: Path
) -> None:
    state, llm_url = fake_llm
    folder = tmp_path / "kb"
    folder.mkdir()
    for name, url in (("refund", '"javascript:alert(1)"'), ("local", "file:///etc/passwd")):
        (folder / f"{name}.md").write_text(
            f"---\ntitle: Refund desk {name}\ntype: blog\nurl: {url}\n---\n"
            "Refunds for the failed Balancer swap are claimed at the refund desk.\n"
        )
    services = services_factory(base_url=llm_url, model="fake-model")
    ingest(services, folder)
    state.replies.append(
        "Claim it at the [refund desk](javascript:alert(1)) [1] or [here](file:///etc/passwd) [2]."
    )
    with serve(create_app(services.settings, services)) as url:
        body = httpx.post(
            f"{url}/v1/chat", json={"message": "Where do I claim my refund?"}, timeout=60
        ).json()
    assert body["sources"] and all("url" not in s for s in body["sources"])
    assert body["answer"] == "Claim it at the refund desk [1] or here [2]."


def test_the_models_rewrite_of_a_follow_up_grounds_no_address(
    service: tuple[FakeLLM, str, Services],
) -> None:
    state, url, _ = service
    state.replies.append("Balancer's Vault holds the pools' tokens [1].")
    asked = f"What is Balancer's vault {VAULT}?"  # the user's own words ground it
    first = httpx.post(f"{url}/v1/chat", json={"message": asked}, timeout=60)
    sid = first.json()["session_id"]
    state.replies += [
        f"What is the Balancer contract {INVENTED}?",  # the condensed question
        f"Balancer's contract is {INVENTED} [1]. The vault is {VAULT} [1].",
    ]
    body = httpx.post(
        f"{url}/v1/chat",
        json={"message": "and its contract address?", "session_id": sid},
        timeout=60,
    ).json()
    assert "and its contract address?" in state.requests[1]["messages"][0]["content"]
    assert body["unverified_addresses"] == [INVENTED]
    assert INVENTED not in body["answer"] and "0x1234…5678 [unverified address]" in body["answer"]
    assert VAULT in body["answer"]
