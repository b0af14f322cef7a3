"""Babel extraction of the prompt files people are shown: each file is one message."""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping
from typing import IO, Any


def extract_prompt(
    fileobj: IO[bytes],
    keywords: Mapping[str, Any],
    comment_tags: Collection[str],
    options: Mapping[str, Any],
) -> Iterator[tuple[int, str | None, str, list[str]]]:
    """The whole template, stripped as app.rag.prompts reads it, as one message."""
    text = fileobj.read().decode("utf-8").strip()
    if text:
        yield 1, None, text, ["A prompt file shown to people; keep every {placeholder}."]
