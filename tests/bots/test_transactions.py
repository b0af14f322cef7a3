"""A transaction hash asked in Telegram or Discord: the explanation comes back with its evidence."""

from __future__ import annotations

import html
from collections.abc import Iterator
from pathlib import Path

import pytest

from bench.support.server import serve
from bench.support.transactions import send_transactions
from tests.bots.test_discord import Interaction, assert_no_mentions, run
from tests.bots.test_telegram import run_bot
from tests.support.fake_telegram import FakeTelegram, build_app

pytestmark = pytest.mark.integration


@pytest.fixture
def telegram() -> Iterator[tuple[FakeTelegram, str]]:
    state = FakeTelegram()
    with serve(build_app(state)) as url:
        yield state, url


def test_a_hash_is_explained_in_the_chat(
    telegram: tuple[FakeTelegram, str],
    card_service: tuple[str, dict[str, str]],
    chain: tuple[str, dict[str, str]],
    tmp_path: Path,
) -> None:
    tg, api = telegram
    url, _ = card_service
    sent = send_transactions(*chain)
    tx_hash = sent["hashes"]["fail_string"]
    tg.push_message(512, f"why did {tx_hash} fail?")
    run_bot(api, url, tmp_path / "state.pickle", lambda: len(tg.sent(512)) >= 1)
    text = html.unescape("\n".join(m["text"] for m in tg.sent(512)))
    assert "Failed: the FAIL token's transfer reverted with 'Transfer failed'. " in text
    assert "(receipt.status, frame 0) [1]" in text
    assert f"Transaction {tx_hash} on ethereum" in text


def test_a_hash_is_explained_in_discord(
    card_service: tuple[str, dict[str, str]], chain: tuple[str, dict[str, str]]
) -> None:
    url, _ = card_service
    sent = send_transactions(*chain)
    me, bob = sent["accounts"]["me"], sent["accounts"]["bob"]
    tx_hash = sent["hashes"]["approve_all"]
    interaction = Interaction()
    run(lambda bot: bot.ask(interaction, f"what did {tx_hash} do?"), url)
    calls = interaction.followup.send.calls
    assert_no_mentions(calls)
    text = "\n".join(c["content"] or "" for c in calls)
    assert f"Approved {bob} to move every FPUNK token of {me}. (log 0) [1]" in text
    assert "externally owned account" in text
    sources = calls[-1]["embeds"][0]
    assert (
        sources.title == "Sources" and f"Transaction {tx_hash} on ethereum" in sources.description
    )
