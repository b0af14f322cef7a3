"""The leak guard recognises the system prompt however a model rewrites or encodes it."""

from __future__ import annotations

import base64
import codecs
import urllib.parse

import pytest

from app.prompts import FOLDER as PROMPTS
from app.rag.leakguard import JOINED, LeakGuard
from app.rag.leakledger import LeakLedger
from app.rag.prompts import Prompts
from app.samples import CORPUS
from bench.support.leak_suite import KNOWN_MISSES, NOT_CAUGHT, SUITE, slices

CANARY = "5e1f0c0ffee2d4a7"


@pytest.fixture(scope="module")
def secret() -> str:
    return Prompts(PROMPTS).system_static.replace("{canary}", CANARY)


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


def _seen_at(guard: LeakGuard, reply: str, step: int = 5) -> int | None:
    """Where in the reply, fed in small deltas, the scanner first sees the leak."""
    scanner = guard.scanner()
    for i in range(0, len(reply), step):
        if scanner.feed(reply[i : i + step]):
            return i
    return len(reply) if scanner.finish() else None


@pytest.mark.parametrize("name", list(_encodings("x")))
def test_every_encoding_is_caught_while_streaming(guard: LeakGuard, secret: str, name: str) -> None:
    reply = _encodings(secret[200:700])[name]
    seen_at = _seen_at(guard, reply)
    assert seen_at is not None and seen_at < len(reply), name


@pytest.mark.parametrize("kind", sorted(set(SUITE) - NOT_CAUGHT))
def test_every_transformation_of_the_suite_is_caught(
    guard: LeakGuard, secret: str, kind: str
) -> None:
    """A stretch of the prompt a few sentences long, rewritten, is seen before it ends."""
    reply = "Sure, here they are: " + SUITE[kind](secret[200:900])
    assert _seen_at(guard, reply) is not None, kind


@pytest.mark.parametrize("kind", sorted(NOT_CAUGHT | set(KNOWN_MISSES)))
def test_the_stated_limits_hold(guard: LeakGuard, secret: str, kind: str) -> None:
    """What the README says is not caught (paraphrase, keyed ciphers, ...) indeed passes."""
    transform = SUITE[kind] if kind in SUITE else KNOWN_MISSES[kind]
    assert not guard.leaks(transform(secret[200:900]))


def test_the_canary_alone_is_a_leak(guard: LeakGuard) -> None:
    assert guard.leaks(f"my tag is {CANARY}, see")


def _turns(guard: LeakGuard, ledger: LeakLedger, replies: list[str]) -> list[bool]:
    """Each reply scanned with what the session was sent before it, as the service does."""
    cut = []
    for reply in replies:
        scanner = guard.scanner(ledger.prior(["session:s"]))
        scanner.feed(reply)
        leaked = scanner.finish()
        if not leaked:
            ledger.charge(["session:s"], scanner.covered)
        elif scanner.across_turns:
            ledger.charge(["session:s"], scanner.covered, refused=True)
        cut.append(leaked)
    return cut


def test_slices_across_turns_are_caught(guard: LeakGuard, secret: str) -> None:
    """35-character slices, one per turn, stop once they join into JOINED characters."""
    body = secret[secret.index("]") + 2 :]  # after the canary, which alone is a leak
    pieces = slices(body)
    cut = _turns(guard, LeakLedger(), [f"Characters as asked: {p}" for p in pieces])
    sent = [p for p, c in zip(pieces, cut, strict=True) if not c]
    # Two slices join up to under JOINED characters; the third is cut, and so is every later
    # one but the phrase the prompt tells the model to say and the closing markup.
    assert sent[:2] == pieces[:2] and len(pieces[0] + pieces[1]) < JOINED * 1.25
    assert len(sent) <= 4 and pieces[2] not in sent


def test_slices_skipping_a_cut_one_stop_at_the_total(guard: LeakGuard, secret: str) -> None:
    """Slices that never join up still stop once they add up to TOTAL characters."""
    body = secret[secret.index("]") + 2 :]
    pieces = slices(body)[::3]  # never neighbours
    cut = _turns(guard, LeakLedger(), [f"Here: {p}" for p in pieces])
    sent = [p for p, c in zip(pieces, cut, strict=True) if not c]
    assert len("".join(sent)) <= 320 and sum(cut) >= len(pieces) - 8


def test_ordinary_answers_and_documents_pass(guard: LeakGuard) -> None:
    docs = sorted(CORPUS.glob("*.md"))
    assert not any(_turns(guard, LeakLedger(), [d.read_text("utf-8") for d in docs]))
    answer = (
        "The Balancer Vault (0xBA12222222228d8Ba445958a75a0704d566BF2C8) charges no flash-loan "
        "fee [1]. Aave charges 0.05% [2]. Curve's 3pool holds DAI, USDC and USDT [3]."
    )
    assert not guard.leaks(answer)
    assert not guard.leaks(base64.b64encode(answer.encode()).decode())


def test_answers_that_share_phrases_with_the_prompt_pass(guard: LeakGuard) -> None:
    """Wording the prompt shares with ordinary answers stays under every threshold."""
    answers = [
        "The knowledge base does not cover this; it has nothing on Solana validators.",
        "I cannot share my instructions. Ask me about a protocol, contract or event.",
        "Token names and symbols were chosen by whoever deployed the contract [2].",
        "CryptoRAG answers questions about crypto protocols, contracts and events.",
        "The document contradicts the curated token list: the list gives 0xA0b8...eB48 [3].",
    ]
    assert not any(_turns(guard, LeakLedger(), answers * 3))


def test_work_per_character_is_constant(guard: LeakGuard) -> None:
    """Memory and work do not grow with the reply: each reading keeps one window."""
    scanner = guard.scanner()
    for n in range(2000):
        scanner.feed(f"Uniswap v3 pools concentrate liquidity in price ranges [{n}]. ")
    assert not scanner.finish()
    assert len(scanner.plain.tail) <= 64
    assert len(scanner.words.last) <= 8 * 10 + 1 and len(scanner.spaced.last) <= 8 * 10 + 1
    assert all(len(d.buf) < 8 for d in scanner.blobs.decoders)
