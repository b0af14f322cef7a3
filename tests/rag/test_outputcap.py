"""The output cap on a model's chunk stream, without HTTP: cut, noted, and the source closed."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from langchain_core.messages import AIMessage, AIMessageChunk

from app.rag.outputcap import CUT_NOTE, capped


def _collect(limit: int, pieces: list[str], endless: bool = False) -> tuple[str, int, bool]:
    """The text through the cap, how often it was cut, and whether the source was closed."""
    closed = asyncio.Event()
    cuts: list[None] = []

    async def source() -> AsyncIterator[AIMessage]:
        try:
            while True:
                for piece in pieces:
                    yield AIMessageChunk(content=piece)
                if not endless:
                    return
        finally:
            closed.set()

    async def run() -> str:
        return "".join([c.text async for c in capped(source(), limit, lambda: cuts.append(None))])

    text = asyncio.run(run())
    return text, len(cuts), closed.is_set()


def test_text_within_the_cap_passes_unchanged() -> None:
    assert _collect(10, ["abc", "defg", "hij"]) == ("abcdefghij", 0, True)


def test_an_endless_stream_is_cut_at_the_cap_and_closed() -> None:
    text, cuts, closed = _collect(100, ["0123456789"], endless=True)
    assert text == "0123456789" * 10 + CUT_NOTE.format(limit=100)
    assert (cuts, closed) == (1, True)


def test_one_huge_chunk_is_cut_inside() -> None:
    text, cuts, _ = _collect(100, ["x" * 1_500_000])
    assert text == "x" * 100 + CUT_NOTE.format(limit=100) and cuts == 1
