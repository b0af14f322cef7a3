"""A cap on the text the model writes into one answer, which holds when it ignores max_tokens."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

from langchain_core.messages import AIMessage, AIMessageChunk

from app.i18n.catalog import N_

CUT_NOTE = "\n\n(The answer was cut here: it reached the limit of {limit:,} characters.)"
CUT_WARNING = N_("the answer was cut at {limit} characters, the most an answer may hold")


async def capped(
    chunks: AsyncIterator[AIMessage], limit: int, on_cut: Callable[[], None]
) -> AsyncIterator[AIMessage]:
    """The model's chunks up to limit characters of text, then a note; the stream is closed
    there, so an endless reply costs no more than the cap."""
    written = 0
    try:
        async for chunk in chunks:
            text = chunk.text
            if written + len(text) <= limit:
                written += len(text)
                yield chunk
                continue
            on_cut()
            yield AIMessageChunk(content=text[: limit - written] + CUT_NOTE.format(limit=limit))
            return
    finally:
        close = getattr(chunks, "aclose", None)
        if close is not None:
            await close()
