"""A transaction hash asked in Telegram: the explanation comes back, each fact with its evidence."""

from __future__ import annotations

import html
from collections.abc import Iterator
from pathlib import Path

import pytest

from bench.support.server import serve
from bench.support.transactions import send_transactions
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
