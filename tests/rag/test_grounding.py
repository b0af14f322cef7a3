"""Addresses are found as a reader sees them, in any spelling, and only sources ground them."""

from __future__ import annotations

import pytest

from app.rag.grounding import UNVERIFIED_MARK, addresses_in, known_addresses, mark_unverified
from app.rag.leakguard import LeakGuard
from app.rag.markup import inert, renders_safely
from app.rag.output import check_text
from tests.support.hostile_markdown import INVENTED, SPELLINGS, shows_invented, spellings

KNOWN = "0xBA12222222228d8Ba445958a75a0704d566BF2C8"
MARKED = f"0x1234…5678 {UNVERIFIED_MARK}"


@pytest.mark.parametrize("name", SPELLINGS)
def test_an_invented_address_is_marked_in_any_spelling(name: str) -> None:
    checked, _ = check_text(
        f"Send it to {SPELLINGS[name]} today.", LeakGuard("unrelated prompt"), set(), []
    )
    assert checked.text == f"Send it to {MARKED} today.", checked.text
    assert checked.unverified == [INVENTED] and not shows_invented(checked.text)


@pytest.mark.parametrize("name", SPELLINGS)
def test_a_known_address_in_another_spelling_is_written_plainly(name: str) -> None:
    spelled = spellings(KNOWN)[name]
    guard = LeakGuard("unrelated prompt")
    checked, _ = check_text(f"It is {spelled}.", guard, {KNOWN.lower()}, [])
    assert checked.text == f"It is {KNOWN}." and checked.unverified == []


def test_glued_and_doubled_prefixes() -> None:
    text, unverified = mark_unverified(f"ab0x{INVENTED[2:]}s and 0x0X{INVENTED[2:]}", set())
    assert text == f"ab{MARKED}s and {MARKED}" and unverified == [INVENTED]
    assert addresses_in(f"tx 0x{'ab' * 32}") == []  # a transaction hash is no address


def test_the_mark_never_becomes_a_link() -> None:
    text, _ = mark_unverified(f"{INVENTED}(/pay)", set())
    assert text == f"{MARKED} (/pay)" and renders_safely(text, [])


def test_only_the_given_texts_ground_an_address() -> None:
    assert known_addresses(f"What is {KNOWN}?", [], []) == {KNOWN.lower()}
    assert known_addresses("What is it?", [], [], f"earlier: {KNOWN}") == {KNOWN.lower()}
    assert known_addresses("What is it?", [], []) == set()


def test_inert_text_renders_as_text_after_anything() -> None:
    hostile = "[x](https://evil.example) ![i](https://evil.example/i.png) <b>x</b> www.evil.example"
    assert not renders_safely(hostile, [])
    for before in ("", "[open ", "`", "<", "- item\n", "| a | b |\n| - | - |\n"):
        assert renders_safely(before + inert(hostile), []), before
