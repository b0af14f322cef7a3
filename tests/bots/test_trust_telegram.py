"""Through the Telegram bot and the real service: a string that is not an address opens the
answer with what is wrong, and a question the knowledge base does not cover says so first and
lists no sources."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest

from app.bots.client import NOT_COVERED
from tests.bots.conftest import Service
from tests.bots.test_telegram import run_bot, telegram  # noqa: F401 (a fixture)
from tests.support.fake_telegram import FakeTelegram

pytestmark = pytest.mark.integration
USDC = "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48"


def test_a_not_quite_address_and_an_uncovered_question(
    telegram: tuple[FakeTelegram, str],  # noqa: F811 (the fixture imported above)
    service: Service,
    tmp_path: Path,
) -> None:
    tg, api = telegram
    near = USDC[:12] + "O" + USDC[13:]  # a letter O for a zero
    service.llm.replies.append("It is a stablecoin contract.")
    tg.push_message(601, f"What is {near}?")
    tg.push_message(602, "Who won the 2022 World Cup?")
    run_bot(api, service.url, tmp_path / "state.pickle", lambda: tg.sent(601) != [] != tg.sent(602))

    [called_out] = tg.sent(601)
    shown = html.unescape(re.sub(r"<[^>]+>", "", called_out["text"]))
    assert shown.startswith(f"Not an address: {near}"), shown
    [declined] = tg.sent(602)
    assert declined["text"].startswith(f"❔ <b>{NOT_COVERED}</b>")
    assert "Sources" not in declined["text"]
    # Declined before the model is asked: the one reply queued went to the first question.
    assert all("World Cup" not in str(r) for r in service.llm.requests)
