"""Retrieval: exact address lookup first, then dense search, merged without duplicates."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from app.kb.addresses import FoundAddress, find_addresses
from app.kb.embeddings import Embedder
from app.kb.models import ScoredChunk
from app.kb.store import QdrantStore


@dataclass
class Retrieval:
    """What a question retrieved, and the addresses it carried."""

    hits: list[ScoredChunk]
    addresses: list[FoundAddress] = field(default_factory=list)

    @property
    def warnings(self) -> list[str]:
        """Addresses whose checksum is wrong are reported, never silently matched."""
        return [
            f"{a.raw} has an invalid EIP-55 checksum (expected {a.checksum}); it was not looked up"
            for a in self.addresses
            if a.status == "invalid"
        ]


class Retriever:
    """Finds the chunks that answer a question."""

    def __init__(self, store: QdrantStore, embedder: Embedder) -> None:
        self.store = store
        self.embedder = embedder

    def retrieve(self, query: str, top_k: int, filters: dict[str, Any] | None = None) -> Retrieval:
        """Top chunks for the query: chunks naming its addresses rank first."""
        found = find_addresses(query)
        usable = [a.checksum for a in found if a.status != "invalid"]
        # Dense vectors do not match hex strings, so addresses are looked up exactly.
        exact = self.store.by_addresses(usable, limit=max(top_k * 4, 20), filters=filters)
        dense = self.store.search(self.embedder.embed_query(query), top_k, filters)
        dense_score = {h.chunk.id: h.score for h in dense}
        exact.sort(key=lambda c: (-_subject_rank(c.addresses, usable), -dense_score.get(c.id, 0)))
        hits: list[ScoredChunk] = []
        seen: set[str] = set()
        for chunk in exact:
            score = 1.0 + dense_score.get(chunk.id, 0.0)
            hits.append(ScoredChunk(chunk=chunk, score=score, matched="address"))
            seen.add(chunk.id)
        hits.extend(h for h in dense if h.chunk.id not in seen)
        return Retrieval(hits=hits[:top_k], addresses=found)


def _subject_rank(chunk_addresses: list[str], wanted: list[str]) -> float:
    """Chunks about few addresses, among them the wanted ones, are more likely about them."""
    overlap = len(set(chunk_addresses) & set(wanted))
    return overlap / max(len(chunk_addresses), 1)
