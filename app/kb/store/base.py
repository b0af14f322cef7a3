"""The store interface the retriever, the pipeline and the contract lookup use."""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any

from qdrant_client import models

from app.kb.models import Chunk, ScoredChunk
from app.kb.store.filters import match

# Payload fields that filters and exact lookups use; both backends index them.
KEYWORD_FIELDS = (
    "addresses",
    "subject_addresses",
    "doc_id",
    "doc_hash",
    "source",
    "type",
    "chain",
    "protocol",
)
DATE_FIELD = "published_at"
SCROLL_PAGE = 1024


@dataclass(frozen=True)
class HybridWeights:
    """Fusion settings, chosen by measurement with `cryptorag eval retrieval`."""

    dense: float = 1.0
    sparse: float = 1.0
    # For keyword queries (a few terms, no question): see sparse.is_keyword_query.
    keyword_dense: float = 0.1
    keyword_sparse: float = 2.0
    boost: float = 1.0
    # Qdrant's weighted RRF scores 1 / ((rank + 1) / weight + k - 1); k = 2 let the weights
    # act at the top of the lists (docs/benchmarks.md has the grid).
    rrf_k: int = 2
    depth: int = 40
    # Lexical matches scoring below this share only near-ubiquitous terms ("token"): with IDF
    # close to zero they are no evidence, yet in RRF they would still cast votes.
    sparse_min_score: float = 1.0

    def rrf(self, keyword: bool) -> list[float]:
        """The [dense, sparse] RRF weights for this kind of query."""
        return [self.keyword_dense, self.keyword_sparse] if keyword else [self.dense, self.sparse]


@dataclass(frozen=True)
class RawPoint:
    """A point as stored: id, named vectors and payload (for copying between stores)."""

    id: str
    dense: dict[str, list[float]]
    sparse: dict[str, models.SparseVector]
    payload: dict[str, Any]


class Store(ABC):
    """Chunks and their vectors in one collection, under a vector name that records the model."""

    collection: str
    vector_name: str
    sparse_name: str
    dim: int

    @abstractmethod
    def ensure_collection(self) -> None:
        """Create the collection, or check that it holds vectors of this model."""

    def upsert(
        self,
        chunks: Sequence[Chunk],
        dense: Sequence[Sequence[float]],
        sparse: Sequence[models.SparseVector],
    ) -> None:
        """Write chunks with their vectors; the same ids overwrite, so reruns are harmless."""
        self.upsert_raw(
            [
                RawPoint(c.id, {self.vector_name: list(d)}, {self.sparse_name: sv}, c.payload())
                for c, d, sv in zip(chunks, dense, sparse, strict=True)
            ]
        )

    @abstractmethod
    def upsert_raw(self, points: Sequence[RawPoint]) -> None:
        """Write points exactly as another store holds them."""

    @abstractmethod
    def raw_points(self) -> Iterator[RawPoint]:
        """Every point with its vectors and payload, page by page."""

    def delete_stale_versions(self, keep: dict[str, str]) -> None:
        """Remove older versions of documents (doc_id -> hash to keep), in one request."""
        if keep:
            self._delete(
                models.Filter(
                    must=[match("doc_id", list(keep))],
                    must_not=[match("doc_hash", list(keep.values()))],
                )
            )

    def delete_documents(self, doc_ids: Iterable[str]) -> None:
        """Remove every chunk of these documents."""
        if ids := list(doc_ids):
            self._delete(models.Filter(must=[match("doc_id", ids)]))

    def delete_sources(self, sources: Sequence[str]) -> int:
        """Remove every chunk whose source is one of these; the number of chunks removed."""
        if not sources:
            return 0
        flt = models.Filter(must=[match("source", list(sources))])
        n = self._count(flt)
        self._delete(flt)
        return n

    @abstractmethod
    def _delete(self, flt: models.Filter) -> None:
        """Delete the points a filter selects, and wait for it."""

    @abstractmethod
    def _count(self, flt: models.Filter) -> int:
        """Points a filter selects, counted exactly."""

    @abstractmethod
    def search(
        self, vector: list[float], top_k: int, filters: dict[str, Any] | None = None
    ) -> list[ScoredChunk]:
        """Nearest chunks to a query vector, within the filters."""

    @abstractmethod
    def hybrid(
        self,
        dense: list[float],
        sparse: models.SparseVector,
        limit: int,
        filters: dict[str, Any] | None = None,
        weights: HybridWeights | None = None,
        keyword: bool = False,
    ) -> list[ScoredChunk]:
        """Dense and lexical candidates fused by weighted RRF in Qdrant's Query API."""

    @abstractmethod
    def by_addresses(
        self, addresses: list[str], limit: int, filters: dict[str, Any] | None = None
    ) -> list[Chunk]:
        """Chunks that mention any of these EIP-55 addresses, matched exactly."""

    @abstractmethod
    def by_ids(self, ids: Sequence[str]) -> list[Chunk]:
        """The chunks with these ids (missing ones are left out)."""

    @abstractmethod
    def scroll_payloads(self, fields: list[str] | bool) -> Iterator[tuple[str, dict[str, Any]]]:
        """(id, payload) of every point, page by page."""

    @abstractmethod
    def count(self) -> int:
        """Chunks in the store, counted exactly."""

    @abstractmethod
    def ping(self) -> None:
        """Raise StoreUnavailable unless the collection answers."""

    @abstractmethod
    def close(self) -> None:
        """Release the store (the embedded one holds a lock on its folder)."""

    def writers_lock(self) -> AbstractContextManager[Any]:
        """The lock its writers (admin ingestion, deletion, the source loop) take turns on: this
        process's own, unless the store belongs to another process."""
        return threading.Lock()

    def start_indexing(self) -> None:  # noqa: B027 (a hook: only the embedded store indexes)
        """Let the store build its index in the background (a long-running process owns it)."""

    def stats(self) -> dict[str, Any]:
        """Backend details for `stats` (index state and the like)."""
        return {}

    def document_hashes(self) -> dict[str, set[str]]:
        """Every stored document key with the content hashes its chunks carry."""
        out: dict[str, set[str]] = {}
        for _, payload in self.scroll_payloads(["doc_id", "doc_hash"]):
            out.setdefault(str(payload.get("doc_id")), set()).add(str(payload.get("doc_hash")))
        return out

    def all_chunks(self) -> list[Chunk]:
        """Every stored chunk (for offline evaluation; not for the request path)."""
        return [to_chunk(pid, payload) for pid, payload in self.scroll_payloads(True)]

    def counts(self) -> dict[str, int]:
        """Documents and chunks in the store."""
        return {"documents": len(self.document_hashes()), "chunks": self.count()}


def to_chunk(point_id: Any, payload: dict[str, Any] | None) -> Chunk:
    """A chunk from a stored point; ids come back as str whatever the engine returns."""
    return Chunk(id=str(point_id), **(payload or {}))
