"""`cryptorag bot ...` run as an operator would: token checks, polling, a clean stop on SIGTERM."""

from __future__ import annotations

import os
import pickle
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.bots.client import APOLOGY
from bench.support.server import serve
from tests.support.fake_telegram import TOKEN, FakeTelegram, build_app

pytestmark = pytest.mark.integration
BIN = Path(sys.executable).parent / "cryptorag"


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CRYPTORAG_")}
    return env | {"HF_HUB_OFFLINE": "1", **extra}


@pytest.fixture
def telegram() -> Iterator[tuple[FakeTelegram, str]]:
    state = FakeTelegram()
    with serve(build_app(state)) as url:
        yield state, url


@pytest.mark.parametrize("which", ["telegram", "discord"])
def test_a_missing_token_is_one_clear_line(which: str, tmp_path: Path) -> None:
    result = subprocess.run(
        [str(BIN), "bot", which],
        env=_env(CRYPTORAG_DATA_DIR=str(tmp_path)),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2
    assert result.stderr.strip() == (
        f"error: CRYPTORAG_{which.upper()}_TOKEN is not set; the bot needs its token"
    )


def test_polling_bot_answers_and_keeps_its_state_across_sigterm(
    telegram: tuple[FakeTelegram, str], closed_port_url: str, tmp_path: Path
) -> None:
    tg, api = telegram
    env = _env(
        CRYPTORAG_DATA_DIR=str(tmp_path),
        CRYPTORAG_TELEGRAM_TOKEN=TOKEN,
        CRYPTORAG_TELEGRAM_API_URL=api,
        CRYPTORAG_BOT_SERVICE_URL=closed_port_url,
    )
    tg.push_message(601, "What is Convex?")
    bot = subprocess.Popen(
        [str(BIN), "bot", "telegram"], env=env, stderr=subprocess.PIPE, text=True
    )
    try:
        deadline = time.monotonic() + 120
        while not tg.sent(601):
            assert bot.poll() is None, bot.stderr.read() if bot.stderr else ""
            assert time.monotonic() < deadline
            time.sleep(0.05)
    finally:
        bot.send_signal(signal.SIGTERM)
        _, err = bot.communicate(timeout=60)
    assert bot.returncode == 0
    assert tg.sent(601)[0]["text"] == APOLOGY
    assert "setMyCommands" in tg.methods()
    assert TOKEN not in err  # httpx's request lines, which carry the token, stay quiet
    state = pickle.loads((tmp_path / "bots" / "telegram.pickle").read_bytes())
    assert "chat_data" in state and "bot_data" in state
