"""The knowledge base as the dataset builder reads it: every chunk, scrolled from the store."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from app.kb.models import Chunk, ScoredChunk
from app.kb.store import Store


@dataclass
class KnowledgeBase:
    """The stored chunks in a stable order (document key, then position in it)."""

    chunks: list[Chunk]

    @classmethod
    def from_store(cls, store: Store) -> KnowledgeBase:
        """Every chunk in the store; the order does not depend on how the store pages."""
        chunks = store.all_chunks()
        return cls(sorted(chunks, key=lambda c: (c.doc_id, c.index, c.id)))

    @property
    def by_id(self) -> dict[str, Chunk]:
        """Chunks by id."""
        return {c.id: c for c in self.chunks}

    def by_document(self) -> dict[str, list[Chunk]]:
        """Chunks grouped by document key, in document order."""
        out: dict[str, list[Chunk]] = defaultdict(list)
        for c in self.chunks:
            out[c.doc_id].append(c)
        return dict(out)


def scored(chunks: list[Chunk]) -> list[ScoredChunk]:
    """Chunks in the retrieved-chunk wrapper the grounding and context helpers take."""
    return [ScoredChunk(chunk=c, score=0.0) for c in chunks]
