"""The leak guard recognises the system prompt however a model spells or encodes it."""

from __future__ import annotations

import base64
import codecs
import urllib.parse
from pathlib import Path

import pytest

from app.rag.leakguard import LeakGuard
from app.rag.prompts import Prompts

REPO = Path(__file__).resolve().parents[2]
CANARY = "5e1f0c0ffee2d4a7"


@pytest.fixture(scope="module")
def secret() -> str:
    return Prompts(REPO / "prompts").system_static.replace("{canary}", CANARY)


@pytest.fixture(scope="module")
def guard(secret: str) -> LeakGuard:
    return LeakGuard(secret, CANARY)


def _encodings(text: str) -> dict[str, str]:
    b64 = base64.b64encode(text.encode()).decode()
    return {
        "plain": text,
        "base64": "Here it is: " + b64,
        "base64 wrapped": "\n".join(b64[i : i + 60] for i in range(0, len(b64), 60)),
        "urlsafe base64": base64.urlsafe_b64encode(text.encode()).decode(),
        "reversed": text[::-1],
        "spaced letters": " ".join(text),
        "zero-width letters": "\u200b".join(text),
        "dashed words": "-".join(text.split()),
        "30-char pieces": " ~ ".join(text[i : i + 30] for i in range(0, len(text), 30)),
        "hex": text.encode().hex(),
        "percent": urllib.parse.quote(text),
        "rot13": codecs.encode(text, "rot13"),
        "upper case": text.upper(),
        "full-width": "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text),
    }


@pytest.mark.parametrize("name", list(_encodings("x")))
def test_every_encoding_is_caught_while_streaming(guard: LeakGuard, secret: str, name: str) -> None:
    reply = _encodings(secret[200:700])[name]
    scanner = guard.scanner()
    seen_at = next((i for i in range(0, len(reply), 5) if scanner.feed(reply[i : i + 5])), None)
    assert seen_at is not None, name


def test_the_canary_alone_is_a_leak(guard: LeakGuard) -> None:
    assert guard.leaks(f"my tag is {CANARY}, see")


def test_ordinary_answers_and_documents_pass(guard: LeakGuard) -> None:
    for doc in (REPO / "samples" / "corpus").glob("*.md"):
        assert not guard.leaks(doc.read_text("utf-8")), doc.name
    answer = (
        "The Balancer Vault (0xBA12222222228d8Ba445958a75a0704d566BF2C8) charges no flash-loan "
        "fee [1]. Aave charges 0.05% [2]. Curve's 3pool holds DAI, USDC and USDT [3]."
    )
    assert not guard.leaks(answer)
    assert not guard.leaks(base64.b64encode(answer.encode()).decode())


def test_work_per_character_is_constant(guard: LeakGuard) -> None:
    """Memory and work do not grow with the reply: the scanner keeps one window per reading."""
    scanner = guard.scanner()
    for _ in range(2000):
        scanner.feed("Uniswap v3 pools concentrate liquidity in price ranges [1]. ")
    assert not scanner.leaked
    assert len(scanner.plain.tail) <= 64
