"""The embedded store: Qdrant Edge, Qdrant's own engine in-process, under the data dir."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import qdrant_edge as qe
from qdrant_client import models

from app.core.errors import ConfigError, StoreUnavailable
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
from app.kb.store.rwlock import RWLock

log = logging.getLogger(__name__)


# The HNSW walk compares int8 copies of the vectors; the best `oversampling` x limit found that
# way are rescored with the originals (exact search over the int8 copies, rescored so, kept
# recall@10 at 1.000 at 1M points: what HNSW misses is the graph's, not the quantization's).
RESCORE = qe.QuantizationSearchParams(rescore=True, oversampling=3.0)


def edge_config(vector_name: str, dim: int, sparse_name: str) -> qe.EdgeConfig:
    """The shard's shape (a named dense vector, a sparse one with IDF) and where each part lives.

    Indexed segments keep int8 copies of the dense vectors in RAM for the HNSW walk and leave
    the originals and the payloads on disk (memory-mapped, paged in as read); the sparse index
    stays in RAM, walked for every question. At 1M points: RSS 0.9 GB after open, open 1.5 s
    (docs/benchmarks.md).
    """
    int8 = qe.ScalarQuantizationConfig(
        type=qe.ScalarType.Int8, quantile=0.99, memory=qe.Memory.Pinned
    )
    dense = qe.EdgeVectorParams(
        size=dim, distance=qe.Distance.Cosine, memory=qe.Memory.Cold, quantization_config=int8
    )
    return qe.EdgeConfig(
        vectors={vector_name: dense},
        sparse_vectors={sparse_name: qe.EdgeSparseVectorParams(modifier=qe.Modifier.Idf)},
        hnsw_config=qe.HnswIndexConfig(m=16, ef_construct=100, full_scan_threshold=10_000),
        payload_memory=qe.Memory.Cold,
    )


# Filters on these select large groups (a chain can be an eighth of the store, a type a quarter):
# their indexes stay in RAM, where the HNSW walk checks them at every step it takes (at 1M points
# a chain-filtered search took 9.3 ms with the index memory-mapped, 2.7 ms with it in RAM).
RAM_FIELDS = ("chain", "type")
# Of those, only chains get HNSW links of their own per value: each is a graph build over its
# group, and a type filter (a quarter of the points) holds up on the main graph.
SUBGRAPH_FIELDS = ("chain",)


def payload_indexes() -> list[tuple[str, Any]]:
    """Each indexed payload field with its index parameters.

    Fields with a value per document or per chunk (addresses, ids, sources, dates) are indexed
    on disk, memory-mapped, instead of being rebuilt in RAM at every open.
    """
    fields: list[tuple[str, Any]] = [
        (
            f,
            qe.KeywordIndexParams(
                memory=None if f in RAM_FIELDS else qe.Memory.Cold,
                enable_hnsw=f in SUBGRAPH_FIELDS,
            ),
        )
        for f in KEYWORD_FIELDS
    ]
    fields.append((DATE_FIELD, qe.DatetimeIndexParams(memory=qe.Memory.Cold, enable_hnsw=False)))
    return fields


def open_shard(path: Path, config: qe.EdgeConfig | None = None) -> qe.EdgeShard:
    """Load a shard, turning the engine's errors into ones that say what to do."""
    try:
        return qe.EdgeShard.load(str(path), config)
    except Exception as exc:  # the engine raises plain Exception with a message
        if "WouldBlock" in str(exc):
            raise StoreUnavailable(
                f"the embedded store at {path} is in use by another process (a `cryptorag "
                "serve` or `cryptorag worker`?). One process owns it: while `cryptorag serve` "
                "runs, `cryptorag ingest`, `ask` and `stats` go through it by themselves, and "
                "`cryptorag serve --sources sources.yaml` runs the worker's sources inside it. "
                "Stop the other process, or set CRYPTORAG_QDRANT_URL to share a Qdrant server."
            ) from exc
        if "incompatible" in str(exc):
            raise ConfigError(
                f"the embedded store at {path} holds other vectors: the embedding model, its "
                "backend or the lexical encoder changed. A store made before the ONNX default "
                "opens with CRYPTORAG_EMBEDDING_BACKEND=torch; otherwise use another "
                f"CRYPTORAG_COLLECTION, or delete that folder and ingest again ({exc})"
            ) from exc
        raise


class EdgeStore(Store):
    """Chunks and their vectors in one Qdrant Edge shard (one process owns the folder)."""

    def __init__(
        self,
        path: Path,
        vector_name: str,
        dim: int,
        *,
        sparse_name: str = "lexical-v1",
        hnsw_ef: int | None = None,
        index_threshold: int = 20_000,
        index_quiet_s: float = 10.0,
    ) -> None:
        self.path = path
        self.collection = path.name
        self.vector_name = vector_name
        self.dim = dim
        self.sparse_name = sparse_name
        self.params = qe.SearchParams(hnsw_ef=hnsw_ef, quantization=RESCORE)
        self.index_threshold = index_threshold
        self.index_quiet_s = index_quiet_s
        self.shard: qe.EdgeShard | None = None
        # Readers share the shard; the index swap takes it alone (see indexing.py).
        self.lock = RWLock()
        # Writers are serialised so a copy for indexing sees no half-applied batch.
        self.write_lock = threading.Lock()
        self.indexer: Any = None

    def ensure_collection(self) -> None:
        """Open the shard, creating it with payload indexes on first use."""
        from app.kb.store.indexing import recover

        if self.shard is not None:
            return
        config = edge_config(self.vector_name, self.dim, self.sparse_name)
        recover(self.path)
        if (self.path / "edge_config.json").exists():
            self.shard = open_shard(self.path, config)
        else:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.shard = qe.EdgeShard.create(str(self.path), config)
        self._ensure_payload_indexes()

    def _ensure_payload_indexes(self) -> None:
        """Create missing payload indexes; re-create those an older version made otherwise."""
        schema = self._shard.info().payload_schema
        for field, params in payload_indexes():
            have = schema.get(field)
            if have is not None and _same_index(have.params, params):
                continue
            if have is not None:
                log.info("re-creating the payload index on %s with this version's placement", field)
                self._shard.update(qe.UpdateOperation.delete_field_index(field))
            self._shard.update(qe.UpdateOperation.create_field_index(field, params))

    def start_indexing(self) -> None:
        """Build the HNSW index in a child process after writes, swapping it in when done."""
        from app.kb.store.indexing import Indexer

        if self.indexer is None:
            self.indexer = Indexer(self, self.index_threshold, self.index_quiet_s)
            self.indexer.poke()

    def upsert_raw(self, points: Sequence[RawPoint]) -> None:
        """Write points exactly as another store holds them."""
        if not points:
            return
        edge_points = [
            qe.Point(
                id=p.id,
                vector={
                    **p.dense,
                    **{
                        k: qe.SparseVector(indices=list(v.indices), values=list(v.values))
                        for k, v in p.sparse.items()
                    },
                },
                payload=p.payload,
            )
            for p in points
        ]
        self._update(qe.UpdateOperation.upsert_points(edge_points))

    def raw_points(self) -> Iterator[RawPoint]:
        """Every point with its vectors and payload, page by page."""
        for record in self._scroll(True, with_vector=True):
            vectors = record.vector if isinstance(record.vector, dict) else {}
            yield RawPoint(
                str(record.id),
                {k: list(v) for k, v in vectors.items() if isinstance(v, list)},  # type: ignore[arg-type]
                {
                    k: models.SparseVector(indices=list(v.indices), values=list(v.values))
                    for k, v in vectors.items()
                    if isinstance(v, qe.SparseVector)
                },
                record.payload or {},
            )

    def _count(self, flt: models.Filter) -> int:
        with self.lock.read():
            return int(self._shard.count(qe.CountRequest(exact=True, filter=to_edge_filter(flt))))

    def search(
        self, vector: list[float], top_k: int, filters: dict[str, Any] | None = None
    ) -> list[ScoredChunk]:
        """Nearest chunks to a query vector, within the filters."""
        request = qe.QueryRequest(
            limit=top_k,
            query=qe.Query.Nearest(vector, using=self.vector_name),
            filter=to_edge_filter(build_filter(filters)),
            params=self.params,
            with_payload=True,
        )
        with self.lock.read():
            points = self._shard.query(request)
        return [
            ScoredChunk(chunk=to_chunk(p.id, p.payload), score=float(p.score), matched="dense")
            for p in points
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
        """Dense and lexical candidates fused by weighted RRF, as on a server."""
        w = weights or HybridWeights()
        base = to_edge_filter(build_filter(filters))
        depth = max(limit, w.depth)
        prefetch = [
            qe.Prefetch(
                limit=depth,
                query=qe.Query.Nearest(dense, using=self.vector_name),
                filter=base,
                params=self.params,
            ),
            qe.Prefetch(
                limit=depth,
                query=qe.Query.Nearest(
                    qe.SparseVector(indices=list(sparse.indices), values=list(sparse.values)),
                    using=self.sparse_name,
                ),
                filter=base,
                score_threshold=w.sparse_min_score or None,
            ),
        ]
        rrf_weights = w.rrf(keyword)
        if not sparse.indices:  # a query of stopwords only: nothing lexical to match
            prefetch, rrf_weights = prefetch[:1], rrf_weights[:1]
        request = qe.QueryRequest(
            limit=limit,
            prefetches=prefetch,
            query=qe.Fusion.Rrf(k=w.rrf_k, weights=rrf_weights),  # type: ignore[arg-type]
            with_payload=True,
        )
        with self.lock.read():
            points = self._shard.query(request)
        return [
            ScoredChunk(chunk=to_chunk(p.id, p.payload), score=float(p.score), matched="hybrid")
            for p in points
        ]

    def by_addresses(
        self, addresses: list[str], limit: int, filters: dict[str, Any] | None = None
    ) -> list[Chunk]:
        """Chunks that mention any of these EIP-55 addresses, matched exactly."""
        if not addresses:
            return []
        flt = build_filter(filters) or models.Filter()
        flt.must = [*(flt.must or []), match("addresses", addresses)]
        request = qe.ScrollRequest(limit=limit, filter=to_edge_filter(flt), with_payload=True)
        with self.lock.read():
            records, _ = self._shard.scroll(request)
        return [to_chunk(r.id, r.payload) for r in records]

    def by_ids(self, ids: Sequence[str]) -> list[Chunk]:
        """The chunks with these ids (missing ones are left out)."""
        with self.lock.read():
            records = self._shard.retrieve(list(ids), with_payload=True, with_vector=False)
        return [to_chunk(r.id, r.payload) for r in records]

    def scroll_payloads(self, fields: list[str] | bool) -> Iterator[tuple[str, dict[str, Any]]]:
        """(id, payload) of every point, page by page."""
        for record in self._scroll(fields):
            yield str(record.id), record.payload or {}

    def count(self) -> int:
        """Chunks in the store, counted exactly."""
        with self.lock.read():
            return self._shard.count(qe.CountRequest(exact=True))

    def ping(self) -> None:
        """Raise StoreUnavailable unless the shard answers."""
        try:
            self.count()
        except Exception as exc:  # a closed or broken shard means not ready
            raise StoreUnavailable(f"vector store not readable: {exc}") from exc

    def stats(self) -> dict[str, Any]:
        """Segments, and whether an index build is under way."""
        with self.lock.read():
            info = self._shard.info()
        out: dict[str, Any] = {"backend": "edge", "segments": info.segments_count}
        if self.indexer is not None:
            out.update(self.indexer.stats())
        return out

    def flush(self) -> None:
        """Write pending changes to the segments (the WAL already holds them)."""
        with self.lock.read():
            self._shard.flush()

    def close(self) -> None:
        """Stop any index build and release the folder."""
        if self.indexer is not None:
            self.indexer.stop()
        with self.lock.write():
            if self.shard is not None:
                self.shard.close()
                self.shard = None

    @property
    def _shard(self) -> qe.EdgeShard:
        if self.shard is None:
            raise StoreUnavailable("the embedded store is closed")
        return self.shard

    def _update(self, operation: qe.UpdateOperation) -> None:
        with self.write_lock:
            with self.lock.read():
                self._shard.update(operation)
            if self.indexer is not None:
                self.indexer.written(operation)

    def _delete(self, flt: models.Filter) -> None:
        edge = to_edge_filter(flt)
        assert edge is not None
        self._update(qe.UpdateOperation.delete_points_by_filter(edge))

    def _scroll(self, fields: list[str] | bool, with_vector: bool = False) -> Iterator[qe.Record]:
        offset: Any = None
        while True:
            request = qe.ScrollRequest(
                offset=offset, limit=SCROLL_PAGE, with_payload=fields, with_vector=with_vector
            )
            with self.lock.read():
                records, offset = self._shard.scroll(request)
            yield from records
            if offset is None:
                return


def _same_index(have: Any, want: Any) -> bool:
    """Whether an existing index has the wanted placement and HNSW setting."""
    return (
        type(have) is type(want)
        and getattr(have, "memory", None) == want.memory
        and getattr(have, "enable_hnsw", None) == want.enable_hnsw
    )


def to_edge_filter(flt: models.Filter | None) -> qe.Filter | None:
    """The same filter in Qdrant Edge's classes (filters are built once, for both backends)."""
    if flt is None:
        return None
    return qe.Filter(must=_conditions(flt.must), must_not=_conditions(flt.must_not))


def _conditions(conditions: Any) -> list[Any] | None:
    if conditions is None:
        return None
    items = conditions if isinstance(conditions, list) else [conditions]
    return [_condition(c) for c in items] or None


def _condition(c: Any) -> Any:
    if isinstance(c, models.Filter):
        return to_edge_filter(c)
    if not isinstance(c, models.FieldCondition):
        raise TypeError(f"no Qdrant Edge form for {type(c).__name__}")
    if isinstance(c.match, models.MatchValue):
        return qe.FieldCondition(key=c.key, match=qe.MatchValue(c.match.value))
    if isinstance(c.match, models.MatchAny):
        return qe.FieldCondition(key=c.key, match=qe.MatchAny(list(c.match.any)))  # type: ignore[arg-type]
    if isinstance(c.range, models.DatetimeRange):
        r = c.range
        return qe.FieldCondition(
            key=c.key,
            range=qe.RangeDateTime(gte=_iso(r.gte), gt=_iso(r.gt), lte=_iso(r.lte), lt=_iso(r.lt)),
        )
    raise TypeError(f"no Qdrant Edge form for condition on {c.key}")


def _iso(value: datetime | Any) -> str | None:
    if value is None:
        return None
    return value.isoformat() if isinstance(value, datetime) else str(value)
