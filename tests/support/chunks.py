"""Stored chunks for unit tests, built the way the store returns them."""

from __future__ import annotations

from typing import Any

from app.kb.models import Chunk


def make_chunk(doc: str, text: str, title: str | None = None, **fields: Any) -> Chunk:
    """The first chunk of document `doc` (/kb/<doc>.md), titled `title` (else `doc`); other
    Chunk fields (chain, type, addresses, metadata, ...) as given."""
    return Chunk(
        **{
            "id": f"{doc}-0",
            "doc_id": f"/kb/{doc}.md",
            "doc_hash": "h",
            "index": 0,
            "source": f"{doc}.md",
            "title": title if title is not None else doc,
            "text": text,
            **fields,
        }
    )
