"""The Qdrant store: embedded local mode by default, a Qdrant server when a URL is set."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from qdrant_client import QdrantClient, models

from app.core.errors import BadRequest, ConfigError, StoreUnavailable
from app.core.settings import StoreSettings
from app.kb.chains import CHAINS
from app.kb.chains import resolve as resolve_chain
from app.kb.models import DOC_TYPES, Chunk, ScoredChunk

log = logging.getLogger(__name__)

# Payload fields that filters and exact lookups use; indexed on a server
# (local mode ignores payload indexes and scans).
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
FILTER_FIELDS = ("type", "chain", "protocol", "source")
DATE_FIELDS = ("published_after", "published_before")
_SCROLL_PAGE = 1024


def open_client(settings: StoreSettings) -> QdrantClient:
    """A client for the configured store; a clear error when it cannot be opened."""
    if settings.qdrant_url is not None:
        return QdrantClient(
            url=str(settings.qdrant_url), api_key=settings.qdrant_api_key, timeout=10
        )
    settings.local_path.mkdir(parents=True, exist_ok=True)
    try:
        return QdrantClient(path=str(settings.local_path))
    except RuntimeError as exc:
        # Local mode takes a file lock; a second process cannot open the same folder.
        raise StoreUnavailable(
            f"the embedded store at {settings.local_path} is in use by another process "
            "(a running server?). Stop it, or run a Qdrant server and set CRYPTORAG_QDRANT_URL."
        ) from exc


class QdrantStore:
    """Chunks and their vectors in one collection, under a vector name that records the model."""

    def __init__(
        self,
        client: QdrantClient,
        collection: str,
        vector_name: str,
        dim: int,
        *,
        sparse_name: str = "lexical-v1",
        server: bool = False,
    ) -> None:
        self.client = client
        self.sparse_name = sparse_name
        self.server = server
        self.collection = collection
        self.vector_name = vector_name
        self.dim = dim

    def ensure_collection(self) -> None:
        """Create the collection, or check that it holds vectors of this model."""
        if self.client.collection_exists(self.collection):
            info = self.client.get_collection(self.collection)
            vectors = info.config.params.vectors
            names = set(vectors) if isinstance(vectors, dict) else set()
            names |= set(info.config.params.sparse_vectors or {})
            wanted = {self.vector_name, self.sparse_name}
            if not wanted <= names:
                raise ConfigError(
                    f"collection {self.collection!r} holds vectors {sorted(names)}, not "
                    f"{sorted(wanted)}: the embedding model or the lexical encoder changed. Use "
                    "another CRYPTORAG_COLLECTION, or delete the collection and ingest again."
                )
            return
        self.client.create_collection(
            self.collection,
            vectors_config={
                self.vector_name: models.VectorParams(
                    size=self.dim, distance=models.Distance.COSINE
                )
            },
            # Qdrant computes IDF over the collection itself, so weights stay right as it grows.
            sparse_vectors_config={
                self.sparse_name: models.SparseVectorParams(modifier=models.Modifier.IDF)
            },
        )
        if self.server:
            for field in KEYWORD_FIELDS:
                self.client.create_payload_index(
                    self.collection, field, models.PayloadSchemaType.KEYWORD
                )
            self.client.create_payload_index(
                self.collection, "published_at", models.PayloadSchemaType.DATETIME
            )

    def upsert(
        self,
        chunks: Sequence[Chunk],
        dense: Sequence[Sequence[float]],
        sparse: Sequence[models.SparseVector],
    ) -> None:
        """Write chunks with their vectors; the same ids overwrite, so reruns are harmless."""
        if not chunks:
            return
        points = [
            models.PointStruct(
                id=c.id,
                vector={self.vector_name: list(d), self.sparse_name: sv},
                payload=c.payload(),
            )
            for c, d, sv in zip(chunks, dense, sparse, strict=True)
        ]
        self.client.upsert(self.collection, points=points, wait=True)

    def document_hashes(self) -> dict[str, set[str]]:
        """Every stored document key with the content hashes its chunks carry."""
        out: dict[str, set[str]] = {}
        for record in self._scroll(None, ["doc_id", "doc_hash"]):
            payload = record.payload or {}
            out.setdefault(str(payload.get("doc_id")), set()).add(str(payload.get("doc_hash")))
        return out

    def delete_stale_versions(self, keep: dict[str, str]) -> None:
        """Remove older versions of documents (doc_id -> hash to keep), in one request."""
        if not keep:
            return
        self.client.delete(
            self.collection,
            points_selector=models.FilterSelector(
                filter=models.Filter(
                    must=[_match("doc_id", list(keep))],
                    must_not=[_match("doc_hash", list(keep.values()))],
                )
            ),
            wait=True,
        )

    def delete_documents(self, doc_ids: Iterable[str]) -> None:
        """Remove every chunk of these documents."""
        ids = list(doc_ids)
        if not ids:
            return
        self.client.delete(
            self.collection,
            points_selector=models.FilterSelector(
                filter=models.Filter(must=[_match("doc_id", ids)])
            ),
            wait=True,
        )

    def search(
        self, vector: list[float], top_k: int, filters: dict[str, Any] | None = None
    ) -> list[ScoredChunk]:
        """Nearest chunks to a query vector, within the filters."""
        response = self.client.query_points(
            self.collection,
            query=vector,
            using=self.vector_name,
            limit=top_k,
            query_filter=build_filter(filters),
            with_payload=True,
        )
        return [
            ScoredChunk(chunk=_to_chunk(p.id, p.payload), score=float(p.score), matched="dense")
            for p in response.points
        ]

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
        w = weights or HybridWeights()
        base = build_filter(filters)
        depth = max(limit, w.depth)
        prefetch = [
            models.Prefetch(query=dense, using=self.vector_name, limit=depth, filter=base),
            models.Prefetch(
                query=sparse,
                using=self.sparse_name,
                limit=depth,
                filter=base,
                score_threshold=w.sparse_min_score or None,
            ),
        ]
        rrf_weights = [w.keyword_dense, w.keyword_sparse] if keyword else [w.dense, w.sparse]
        if not sparse.indices:  # a query of stopwords only: nothing lexical to match
            prefetch, rrf_weights = prefetch[:1], rrf_weights[:1]
        response = self.client.query_points(
            self.collection,
            prefetch=prefetch,
            query=models.RrfQuery(rrf=models.Rrf(k=w.rrf_k, weights=rrf_weights)),
            limit=limit,
            with_payload=True,
        )
        return [
            ScoredChunk(chunk=_to_chunk(p.id, p.payload), score=float(p.score), matched="hybrid")
            for p in response.points
        ]

    def by_addresses(
        self, addresses: list[str], limit: int, filters: dict[str, Any] | None = None
    ) -> list[Chunk]:
        """Chunks that mention any of these EIP-55 addresses, matched exactly."""
        if not addresses:
            return []
        flt = build_filter(filters) or models.Filter()
        flt.must = [*(flt.must or []), _match("addresses", addresses)]
        records, _ = self.client.scroll(
            self.collection, scroll_filter=flt, limit=limit, with_payload=True
        )
        return [_to_chunk(r.id, r.payload) for r in records]

    def all_chunks(self) -> list[Chunk]:
        """Every stored chunk (for offline evaluation; not for the request path)."""
        return [_to_chunk(r.id, r.payload) for r in self._scroll(None, True)]

    def counts(self) -> dict[str, int]:
        """Documents and chunks in the store."""
        return {
            "documents": len(self.document_hashes()),
            "chunks": self.client.count(self.collection, exact=True).count,
        }

    def ping(self) -> None:
        """Raise StoreUnavailable unless the collection answers."""
        try:
            self.client.count(self.collection, exact=False)
        except Exception as exc:  # any transport or storage failure means not ready
            raise StoreUnavailable(f"vector store not reachable: {exc}") from exc

    def _scroll(
        self, flt: models.Filter | None, fields: list[str] | bool
    ) -> Iterable[models.Record]:
        offset = None
        while True:
            records, offset = self.client.scroll(
                self.collection,
                scroll_filter=flt,
                limit=_SCROLL_PAGE,
                with_payload=fields,
                offset=offset,
            )
            yield from records
            if offset is None:
                return


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


def _match(field: str, value: str | list[str]) -> models.FieldCondition:
    if isinstance(value, list):
        return models.FieldCondition(key=field, match=models.MatchAny(any=value))
    return models.FieldCondition(key=field, match=models.MatchValue(value=value))


def build_filter(filters: dict[str, Any] | None) -> models.Filter | None:
    """A Qdrant filter from the API's filter object; unknown fields are a 4xx."""
    must = filter_conditions(filters)
    return models.Filter(must=must) if must else None  # type: ignore[arg-type]


def filter_conditions(filters: dict[str, Any] | None) -> list[models.FieldCondition]:
    """The conditions of the API's filter object, validated."""
    if not filters:
        return []
    must: list[models.FieldCondition] = []
    for key, value in filters.items():
        if key in DATE_FIELDS:
            continue
        if key not in FILTER_FIELDS:
            allowed = ", ".join((*FILTER_FIELDS, *DATE_FIELDS))
            raise BadRequest(
                f"unknown filter field {key!r}; allowed: {allowed}", code="invalid_filter"
            )
        values = value if isinstance(value, list) else [value]
        if not values or not all(isinstance(v, str) and v for v in values):
            raise BadRequest(
                f"filter {key!r} takes a non-empty string or list of strings", code="invalid_filter"
            )
        if key == "type" and (bad := [v for v in values if v not in DOC_TYPES]):
            raise BadRequest(
                f"filter 'type' has unknown value(s) {bad}; allowed: {', '.join(DOC_TYPES)}",
                code="invalid_filter",
            )
        if key == "chain":
            values = [_known_chain(v) for v in values]
        must.append(_match(key, values if len(values) > 1 else values[0]))
    if any(k in filters for k in DATE_FIELDS):
        bounds = {k: _parse_date(k, filters.get(k)) for k in DATE_FIELDS}
        must.append(
            models.FieldCondition(
                key="published_at",
                range=models.DatetimeRange(
                    gte=bounds["published_after"], lte=bounds["published_before"]
                ),
            )
        )
    return must


def _known_chain(value: str) -> str:
    chain = resolve_chain(value)
    if chain is None:
        known = ", ".join(c.name for c in CHAINS)
        raise BadRequest(
            f"filter 'chain' has unknown value {value!r}; known: {known}", code="invalid_filter"
        )
    return chain.name


def _parse_date(key: str, value: Any) -> datetime | None:
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(str(value))
    except ValueError:
        raise BadRequest(
            f"filter {key!r} must be an ISO date such as 2024-05-01", code="invalid_filter"
        ) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _to_chunk(point_id: Any, payload: dict[str, Any] | None) -> Chunk:
    return Chunk(id=str(point_id), **(payload or {}))
