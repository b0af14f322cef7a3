"""The chat's address block states the token-risk checks with their evidence, and lookalikes."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import anyio
import pytest

from app.core.settings import ChainSettings
from app.rag.answer import Answer
from app.services import Services
from bench.support.fake_llm import FakeLLM, build_app
from bench.support.risk_tokens import deploy_risk_fixtures
from bench.support.server import serve

pytestmark = pytest.mark.integration
Chain = tuple[str, dict[str, str]]
USDC = "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48"


def ask(services: Services, question: str) -> Answer:
    return anyio.run(lambda: services.answers.answer(question))


@pytest.fixture(scope="module")
def risk_tokens(chain: Chain) -> dict[str, str]:
    return deploy_risk_fixtures(chain[0])


def test_is_it_safe_lists_found_checked_and_unchecked(
    services_factory: Callable[..., Services], chain: Chain, risk_tokens: dict[str, str]
) -> None:
    services = services_factory(
        chains=ChainSettings.model_validate({"rpc_urls": {"ethereum": chain[0]}})
    )
    token = risk_tokens["fee"]
    answer = ask(services, f"Is {token} safe?")
    text = answer.answer
    (facts,) = [f for f in answer.onchain if f.address == token]
    (source,) = [s for s in answer.sources if s.source == f"ethereum:{token}"]
    block = facts.block_number
    found = re.search(
        rf"Found, read at block {block} \[{source.index}\]: A transfer of 100 .*", text
    )
    assert found and "delivers 93 (93000000000000000000 base units): a 7% fee" in found.group()
    assert f"Found, read at block {block} [{source.index}]: Changing the transfer fee" in text
    assert "Checked and not found" in text and "owner minting" in text
    assert "Could not be checked: paused now" in text
    # Found risks come before what was not found.
    assert text.index("Found, read at block") < text.index("Checked and not found")
    assert "This service gives no verdict" in text and "trading pool" in text
    assert not re.search(r"\b(is|looks) (safe|legit)\b", text.replace("Is it safe?", ""))


def test_a_lookalike_of_a_listed_token_is_called_out_without_a_node(
    services_factory: Callable[..., Services], tmp_path: Path
) -> None:
    services = services_factory()
    fake = "0xa0b8" + "1" * 32 + "eb48"
    answer = ask(services, f"What is {fake}?")
    assert f"imitates {USDC}" in answer.answer and "address poisoning" in answer.answer
    assert "(USDC)" in answer.answer


def test_is_it_safe_in_chinese_gives_the_found_risk_in_chinese(
    services_factory: Callable[..., Services],
) -> None:
    services = services_factory()
    fake = "0xa0b8" + "1" * 32 + "eb48"
    answer = ask(services, f"{fake} 安全吗？")
    assert f"在模仿 {USDC}" in answer.answer and "地址投毒" in answer.answer
    assert "imitates" not in answer.answer and "address poisoning" not in answer.answer
    # The same address asked about in English afterwards (a cached read) is said in English.
    again = ask(services, f"Is {fake} safe?")
    assert f"imitates {USDC}" in again.answer and "在模仿" not in again.answer


def test_with_a_model_the_checks_are_fenced_in_the_hidden_prompt(
    services_factory: Callable[..., Services], chain: Chain, risk_tokens: dict[str, str]
) -> None:
    state = FakeLLM(default_reply="A 7% fee was measured [1].")
    with serve(build_app(state)) as llm:
        services = services_factory(
            chains=ChainSettings.model_validate({"rpc_urls": {"ethereum": chain[0]}}),
            base_url=llm + "/v1",
            model="m",
        )
        answer = ask(services, f"Is {risk_tokens['fee']} safe?")
    assert answer.mode == "llm"
    system = state.requests[-1]["messages"][0]["content"]
    rules, fenced = system.rsplit("<onchain>", 1)
    block = fenced.split("</onchain>")[0]
    assert "a 7% fee, simulated with eth_call at block" in block
    assert "Checked and not found" in block and "Could not be checked" in block
    assert "7% fee" not in rules
