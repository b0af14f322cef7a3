"""Addresses in an answer checked against what the answer rests on; unknown ones are marked."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from app.chain.facts import ContractFacts
from app.kb.models import ScoredChunk

# An address not glued to more hex: 0x + 40 hex digits, not part of a longer hex string.
_ADDRESS = re.compile(r"(?<![0-9A-Za-z])0x[0-9a-fA-F]{40}(?![0-9a-fA-F])")
UNVERIFIED_MARK = "[unverified address]"


def addresses_in(text: str) -> list[str]:
    """Every EVM address written in a text, as written."""
    return _ADDRESS.findall(text)


def _walk(value: Any) -> Iterable[str]:
    """Every string inside a payload value (lists and dicts included)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _walk(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _walk(item)


def known_addresses(
    question: str, hits: list[ScoredChunk], facts: list[ContractFacts], *extra: str
) -> set[str]:
    """Lower-case addresses that the question, the cited chunks or the live lookups contain."""
    texts: list[str] = [question, *extra]
    for hit in hits:
        texts.extend(_walk(hit.chunk.payload()))
    for fact in facts:
        texts.extend(_walk(fact.model_dump(mode="json")))
    return {a.lower() for text in texts for a in addresses_in(text)}


def short(address: str) -> str:
    """0x1234…5678: enough to recognise, not enough to copy and send funds to."""
    return f"{address[:6]}…{address[-4:]}"


def mark_unverified(text: str, known: set[str]) -> tuple[str, list[str]]:
    """The text with each address found in no source shortened and marked, and those addresses."""
    unverified: list[str] = []

    def mark(m: re.Match[str]) -> str:
        address = m.group(0)
        if address.lower() in known:
            return address
        if address not in unverified:
            unverified.append(address)
        return f"{short(address)} {UNVERIFIED_MARK}"

    return _ADDRESS.sub(mark, text), unverified
