"""The bots' contract cards carry the token-risk checks, from a real node through the service."""

from __future__ import annotations

from pathlib import Path

import discord
import pytest

from app.bots.discord_bot import DiscordBot
from bench.support.risk_tokens import deploy_risk_fixtures
from tests.bots.test_discord import Interaction, assert_no_mentions, run
from tests.bots.test_telegram import ALLOWED_TAGS, run_bot, tags, telegram  # noqa: F401
from tests.support.fake_telegram import FakeTelegram

pytestmark = pytest.mark.integration
Card = tuple[str, dict[str, str]]


@pytest.fixture(scope="module")
def risk_tokens(chain: tuple[str, dict[str, str]]) -> dict[str, str]:
    return deploy_risk_fixtures(chain[0])


def test_discord_card_shows_found_risks_and_what_was_not_read(
    card_service: Card, risk_tokens: dict[str, str]
) -> None:
    url, _ = card_service
    fee, clean = Interaction(), Interaction()

    async def handle(bot: DiscordBot) -> None:
        await bot.contract(fee, "ethereum", risk_tokens["fee"])
        await bot.contract(clean, "ethereum", risk_tokens["clean"])

    run(handle, url)
    [call] = fee.followup.send.calls
    assert_no_mentions([call])
    fields = {f.name: f.value for f in call["embed"].fields}
    assert "a 7% fee" in fields["Found risks"] and "setFee(uint256)" in fields["Found risks"]
    assert "owner minting" in fields["Checked, not found"]
    assert "paused now" in fields["Could not be checked"]
    assert call["embed"].colour == discord.Colour.red()
    [control] = clean.followup.send.calls
    fields = {f.name: f.value for f in control["embed"].fields}
    assert "Found risks" not in fields and "Ownership is renounced" in fields["Also read"]
    assert control["embed"].colour != discord.Colour.red()


def test_telegram_card_shows_found_risks(
    telegram: tuple[FakeTelegram, str],  # noqa: F811
    card_service: Card,
    risk_tokens: dict[str, str],
    tmp_path: Path,
) -> None:
    tg, api = telegram
    url, _ = card_service
    tg.push_message(509, f"/contract ethereum {risk_tokens['blacklist']}")
    run_bot(api, url, tmp_path / "state.pickle", lambda: len(tg.sent(509)) >= 1)
    [message] = [m["text"] for m in tg.sent(509)]
    assert "🔴 <b>Blocking addresses" in message
    assert "reverts: execution reverted: sender is blacklisted" in message
    assert "Checked, not found: " in message and "<i>Could not be checked: paused now" in message
    assert tags(message) <= ALLOWED_TAGS | {"<a>"}
