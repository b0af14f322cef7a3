"""Addresses in an answer checked against what the answer rests on; unknown ones are marked.

Addresses are looked for in the text a reader sees, not in the characters as sent: invisible
characters (zero-width spaces, soft hyphens, word joiners) are dropped and compatibility forms
(full-width digits and letters) folded before matching, and `0X`, a missing or doubled `0x`
still spell an address (app/evm/addresses.py). Entities and Markdown emphasis inside an address
are resolved by the markup cleaner (app/rag/markup.py), which runs first.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from app.chain.facts import ContractFacts
from app.evm.addresses import SPELLED_ADDRESS_RE
from app.kb.models import ScoredChunk

UNVERIFIED_MARK = "[unverified address]"


@dataclass(frozen=True)
class Spelled:
    """An address as a reader sees it: where it is written and its plain 0x spelling."""

    start: int
    end: int
    address: str


def _reader_view(text: str) -> tuple[str, list[int]]:
    """The text as read (invisible characters out, compatibility forms folded), and for each
    of its characters the index of the written one it comes from."""
    view: list[str] = []
    origin: list[int] = []
    for i, ch in enumerate(text):
        if ch.isascii():
            view.append(ch)
            origin.append(i)
            continue
        if unicodedata.category(ch) == "Cf":
            continue
        for folded in unicodedata.normalize("NFKC", ch):
            view.append(folded)
            origin.append(i)
    return "".join(view), origin


def spelled_addresses(text: str) -> list[Spelled]:
    """Every address a reader sees in a text, in whatever spelling it is written."""
    # Plain ASCII reads as written: no view to build character by character.
    view, origin = (text, None) if text.isascii() else _reader_view(text)
    found = []
    for m in SPELLED_ADDRESS_RE.finditer(view):
        start, end = m.start(), m.end()
        # A prefix glued to hex before it ("ab0x…") is not matched with the digits; it is
        # still part of what the reader copies.
        while start >= 2 and view[start - 2] == "0" and view[start - 1] in "xX":
            start -= 2
        if origin is not None:
            start, end = origin[start], origin[end - 1] + 1
        found.append(Spelled(start, end, "0x" + m.group(1)))
    return found


def addresses_in(text: str) -> list[str]:
    """Every EVM address a reader sees in a text, spelled plainly (0x and the case written)."""
    # A model's long reply is read once: not worth keeping.
    read = _addresses if len(text) > _CACHED_CHARS else _kept_addresses
    return list(read(text))


def _addresses(text: str) -> tuple[str, ...]:
    return tuple(s.address for s in spelled_addresses(text))


# Retrieved chunks' payload strings come back question after question: their addresses are read
# once. Texts up to 4,000 characters, 4,096 of them: at most some 16 MB.
_CACHED_CHARS = 4000
_kept_addresses = lru_cache(maxsize=4096)(_addresses)


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
    """Lower-case addresses that the question (and extra texts of the same standing), the cited
    chunks or the live lookups contain. Never pass the model's own words (a rewritten question)."""
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
    """The text with each address found in no source shortened and marked, each known one
    spelled plainly, and the unverified addresses."""
    unverified: list[str] = []
    out: list[str] = []
    last = 0
    for found in spelled_addresses(text):
        out.append(text[last : found.start])
        last = found.end
        if found.address.lower() in known:
            out.append(found.address)
            continue
        if found.address not in unverified:
            unverified.append(found.address)
        # A "(" right after the mark would make it a link's text.
        gap = " " if text[found.end : found.end + 1] == "(" else ""
        out.append(f"{short(found.address)} {UNVERIFIED_MARK}{gap}")
    out.append(text[last:])
    return "".join(out), unverified
