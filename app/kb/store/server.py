"""The store on a Qdrant server through qdrant-client (also its local mode, for tests)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from qdrant_client import QdrantClient, models

from app.core.errors import ConfigError, StoreUnavailable
from app.core.settings import StoreSettings
from app.kb.models import Chunk, ScoredChunk
from app.kb.store.base import (
    DATE_FIELD,
    KEYWORD_FIELDS,
    SCROLL_PAGE,
    HybridWeights,
    RawPoint,
    Store,
    to_chunk,
)
from app.kb.store.filters import build_filter, match


def open_client(settings: StoreSettings) -> QdrantClient:
    """A client for the configured server, or for qdrant-client's local mode under the data dir."""
    if settings.qdrant_url is not None:
        return QdrantClient(
            url=str(settings.qdrant_url),
            api_key=key.get_secret_value() if (key := settings.qdrant_api_key) else None,
            timeout=10,
        )
    settings.local_path.mkdir(parents=True, exist_ok=True)
    try:
        return QdrantClient(path=str(settings.local_path))
    except RuntimeError as exc:
        # Local mode takes a file lock; a second process cannot open the same folder.
        raise StoreUnavailable(
            f"the local-mode store at {settings.local_path} is in use by another process."
        ) from exc


class ServerStore(Store):
    """Chunks and their vectors in one collection of a Qdrant server."""

    def __init__(
        self,
        client: QdrantClient,
        collection: str,
        vector_name: str,
        dim: int,
        *,
        sparse_name: str = "lexical-v1",
        server: bool = False,
        shards: int | None = None,
        replication_factor: int | None = None,
    ) -> None:
        self.client = client
        self.sparse_name = sparse_name
        # Local mode ignores payload indexes (and warns about them), so only a server gets them.
        self.server = server
        self.collection = collection
        self.vector_name = vector_name
        self.dim = dim
        self.shards = shards
        self.replication_factor = replication_factor

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
            shard_number=self.shards,
            replication_factor=self.replication_factor,
        )
        if self.server:
            for field in KEYWORD_FIELDS:
                self.client.create_payload_index(
                    self.collection, field, models.PayloadSchemaType.KEYWORD
                )
            self.client.create_payload_index(
                self.collection, DATE_FIELD, models.PayloadSchemaType.DATETIME
            )

    def upsert_raw(self, points: Sequence[RawPoint]) -> None:
        """Write points exactly as another store holds them."""
        if not points:
            return
        structs = [
            models.PointStruct(id=p.id, vector={**p.dense, **p.sparse}, payload=p.payload)
            for p in points
        ]
        self.client.upsert(self.collection, points=structs, wait=True)

    def raw_points(self) -> Iterator[RawPoint]:
        """Every point with its vectors and payload, page by page."""
        for record in self._scroll(None, True, with_vectors=True):
            vectors = record.vector if isinstance(record.vector, dict) else {}
            yield RawPoint(
                str(record.id),
                {k: list(v) for k, v in vectors.items() if isinstance(v, list)},  # type: ignore[arg-type]
                {k: v for k, v in vectors.items() if isinstance(v, models.SparseVector)},
                record.payload or {},
            )

    def _count(self, flt: models.Filter) -> int:
        return self.client.count(self.collection, count_filter=flt, exact=True).count

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
            ScoredChunk(chunk=to_chunk(p.id, p.payload), score=float(p.score), matched="dense")
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
        rrf_weights = w.rrf(keyword)
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
            ScoredChunk(chunk=to_chunk(p.id, p.payload), score=float(p.score), matched="hybrid")
            for p in response.points
        ]

    def by_addresses(
        self, addresses: list[str], limit: int, filters: dict[str, Any] | None = None
    ) -> list[Chunk]:
        """Chunks that mention any of these EIP-55 addresses, matched exactly."""
        if not addresses:
            return []
        flt = build_filter(filters) or models.Filter()
        flt.must = [*(flt.must or []), match("addresses", addresses)]
        records, _ = self.client.scroll(
            self.collection, scroll_filter=flt, limit=limit, with_payload=True
        )
        return [to_chunk(r.id, r.payload) for r in records]

    def by_ids(self, ids: Sequence[str]) -> list[Chunk]:
        """The chunks with these ids (missing ones are left out)."""
        records = self.client.retrieve(self.collection, list(ids), with_payload=True)
        return [to_chunk(r.id, r.payload) for r in records]

    def scroll_payloads(self, fields: list[str] | bool) -> Iterator[tuple[str, dict[str, Any]]]:
        """(id, payload) of every point, page by page."""
        for record in self._scroll(None, fields):
            yield str(record.id), record.payload or {}

    def count(self) -> int:
        """Chunks in the store, counted exactly."""
        return self.client.count(self.collection, exact=True).count

    def ping(self) -> None:
        """Raise StoreUnavailable unless the collection answers."""
        try:
            self.client.count(self.collection, exact=False)
        except Exception as exc:  # any transport or storage failure means not ready
            raise StoreUnavailable(f"vector store not reachable: {exc}") from exc

    def close(self) -> None:
        """Close the client (local mode releases its file lock)."""
        self.client.close()

    def _delete(self, flt: models.Filter) -> None:
        self.client.delete(
            self.collection, points_selector=models.FilterSelector(filter=flt), wait=True
        )

    def _scroll(
        self, flt: models.Filter | None, fields: list[str] | bool, with_vectors: bool = False
    ) -> Iterable[models.Record]:
        offset = None
        while True:
            records, offset = self.client.scroll(
                self.collection,
                scroll_filter=flt,
                limit=SCROLL_PAGE,
                with_payload=fields,
                with_vectors=with_vectors,
                offset=offset,
            )
            yield from records
            if offset is None:
                return
