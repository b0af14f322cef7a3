"""Qdrant Edge and qdrant-client (local mode standing in for a server) on the same chunks."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from qdrant_client import QdrantClient

from app.core.errors import BadRequest, ConfigError, StoreUnavailable
from app.core.settings import StoreSettings
from app.kb.embeddings import SentenceTransformerEmbedder, vector_name
from app.kb.sparse import SparseEncoder
from app.kb.store import EdgeStore, HybridWeights, ServerStore, Store, open_store
from app.kb.store.migrate import migrate
from ingest.chunking import Chunker
from ingest.pipeline import Pipeline
from tests.conftest import SAMPLE

pytestmark = pytest.mark.integration

QUESTIONS = [
    "How do flash loans work?",
    "When did FTX collapse?",
    "uniswap v3 concentrated liquidity",
    "Which oracle does Aave use for prices?",
    "bridge exploit",
]
VAULT = "0xBA12222222228d8Ba445958a75a0704d566BF2C8"


def _fill(store: Store, embedder: SentenceTransformerEmbedder) -> None:
    store.ensure_collection()
    chunker = Chunker(embedder.count_tokens, embedder.max_tokens)
    Pipeline(store, embedder, chunker, SparseEncoder()).ingest_paths([SAMPLE])


@pytest.fixture(scope="module")
def stores(
    tmp_path_factory: pytest.TempPathFactory, embedder: SentenceTransformerEmbedder
) -> Iterator[tuple[EdgeStore, ServerStore]]:
    """The sample corpus in both backends."""
    root = tmp_path_factory.mktemp("stores")
    name = vector_name(embedder.name)
    edge = EdgeStore(root / "edge" / "c", name, embedder.dim, sparse_name=SparseEncoder.name)
    client = QdrantClient(path=str(root / "qdrant"))
    server = ServerStore(client, "c", name, embedder.dim, sparse_name=SparseEncoder.name)
    _fill(edge, embedder)
    _fill(server, embedder)
    yield edge, server
    edge.close()
    server.close()


def _scores(hits: list) -> list[float]:  # type: ignore[type-arg]
    # Ties come back in different orders on the two engines, so scores are compared, not ids.
    # A tie inside a prefetch list also moves RRF scores ("What happened to FTX in 2022?" has
    # two equal lexical scores at ranks 6 and 7), so the questions below have none.
    return [round(h.score, 5) for h in hits]


def test_same_points_and_documents(stores: tuple[EdgeStore, ServerStore]) -> None:
    edge, server = stores
    assert edge.counts() == server.counts() and edge.count() > 30
    assert {c.id for c in edge.all_chunks()} == {c.id for c in server.all_chunks()}
    assert edge.document_hashes() == server.document_hashes()


@pytest.mark.parametrize("question", QUESTIONS)
def test_dense_and_fused_scores_match(
    stores: tuple[EdgeStore, ServerStore], embedder: SentenceTransformerEmbedder, question: str
) -> None:
    edge, server = stores
    vec = embedder.embed_query(question)
    assert _scores(edge.search(vec, 10)) == _scores(server.search(vec, 10))
    sparse = SparseEncoder().encode_query(question)
    for keyword in (False, True):
        e = edge.hybrid(vec, sparse, 10, keyword=keyword, weights=HybridWeights())
        s = server.hybrid(vec, sparse, 10, keyword=keyword, weights=HybridWeights())
        assert _scores(e) == _scores(s) and len(e) == 10


@pytest.mark.parametrize(
    "filters",
    [
        {"chain": "ethereum"},
        {"type": ["news", "blog"]},
        {"published_after": "2022-01-01", "published_before": "2022-12-31"},
        {"type": "protocol", "chain": "Ethereum"},
    ],
)
def test_filters_match(
    stores: tuple[EdgeStore, ServerStore], embedder: SentenceTransformerEmbedder, filters: dict
) -> None:  # type: ignore[type-arg]
    edge, server = stores
    vec = embedder.embed_query("what went wrong")
    sparse = SparseEncoder().encode_query("what went wrong")
    e = edge.hybrid(vec, sparse, 50, filters)
    s = server.hybrid(vec, sparse, 50, filters)
    assert e and _scores(e) == _scores(s)
    assert {h.chunk.id for h in edge.search(vec, 200, filters)} == {
        h.chunk.id for h in server.search(vec, 200, filters)
    }


def test_address_lookup_and_retrieve_by_id(stores: tuple[EdgeStore, ServerStore]) -> None:
    edge, server = stores
    found = edge.by_addresses([VAULT], 20)
    assert found and {c.id for c in found} == {c.id for c in server.by_addresses([VAULT], 20)}
    assert all(VAULT in c.addresses for c in found)
    assert edge.by_addresses([VAULT], 20, {"type": "news"}) == []
    got = edge.by_ids([found[0].id, "00000000-0000-0000-0000-000000000000"])
    assert [c.id for c in got] == [found[0].id] and isinstance(got[0].id, str)
    assert got[0] == found[0]


def test_bad_filter_is_a_4xx(stores: tuple[EdgeStore, ServerStore]) -> None:
    with pytest.raises(BadRequest):
        stores[0].search([0.0] * stores[0].dim, 5, {"colour": "red"})


def test_scroll_pages(
    stores: tuple[EdgeStore, ServerStore], monkeypatch: pytest.MonkeyPatch
) -> None:
    edge, _ = stores
    monkeypatch.setattr("app.kb.store.edge.SCROLL_PAGE", 7)
    ids = [pid for pid, _ in edge.scroll_payloads(["source"])]
    assert len(ids) == len(set(ids)) == edge.count()


def _open(data: Path, embedder: SentenceTransformerEmbedder) -> Store:
    return open_store(
        StoreSettings(data_dir=data), vector_name(embedder.name), embedder.dim, SparseEncoder.name
    )


def test_reopen_delete_and_one_owner(tmp_path: Path, embedder: SentenceTransformerEmbedder) -> None:
    store = _open(tmp_path, embedder)
    _fill(store, embedder)
    before = store.counts()
    store.close()
    store = _open(tmp_path, embedder)
    assert store.counts() == before
    with pytest.raises(StoreUnavailable, match="in use by another process"):
        _open(tmp_path, embedder)
    n = store.delete_sources(["aave.md", "curve.md"])
    assert n > 0 and store.count() == before["chunks"] - n
    assert not [c for c in store.all_chunks() if c.source in ("aave.md", "curve.md")]
    store.close()


def test_other_model_refused(tmp_path: Path, embedder: SentenceTransformerEmbedder) -> None:
    _open(tmp_path, embedder).close()
    with pytest.raises(ConfigError, match="embedding model, its backend or the lexical encoder"):
        open_store(StoreSettings(data_dir=tmp_path), "other-model", 8, SparseEncoder.name)


def test_local_mode_refused_then_migrated(
    tmp_path: Path, embedder: SentenceTransformerEmbedder
) -> None:
    settings = StoreSettings(data_dir=tmp_path)
    client = QdrantClient(path=str(settings.local_path))
    old = ServerStore(
        client, "cryptorag", vector_name(embedder.name), embedder.dim, sparse_name="lexical-v1"
    )
    _fill(old, embedder)
    old_counts = old.counts()
    vec = embedder.embed_query("flash loan attack")
    sparse = SparseEncoder().encode_query("flash loan attack")
    old_scores = _scores(old.hybrid(vec, sparse, 10))
    old.close()
    with pytest.raises(ConfigError, match="cryptorag store migrate"):
        _open(tmp_path, embedder)
    assert migrate(settings) == old_counts["chunks"]
    store = _open(tmp_path, embedder)
    assert store.counts() == old_counts
    assert _scores(store.hybrid(vec, sparse, 10)) == old_scores
    store.close()


def test_cluster_collection_gets_shards_and_replicas(monkeypatch: pytest.MonkeyPatch) -> None:
    created: dict[str, object] = {}
    client = QdrantClient(":memory:")
    real_create = client.create_collection

    def create(name: str, **kwargs: object) -> bool:
        created.update(kwargs)
        return real_create(name, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(client, "create_collection", create)
    monkeypatch.setattr("app.kb.store.factory.open_client", lambda settings: client)
    settings = StoreSettings(
        qdrant_url="http://qdrant-1:6333",
        shards=3,
        replication_factor=2,  # type: ignore[arg-type]
    )
    store = open_store(settings, "dense-x", 8, SparseEncoder.name)
    assert isinstance(store, ServerStore) and store.server
    assert (created["shard_number"], created["replication_factor"]) == (3, 2)
    store.close()


def test_payload_indexes_of_an_older_store_are_moved_on_disk(tmp_path: Path) -> None:
    import qdrant_edge as qe

    path = tmp_path / "old"
    # The shape the previous version created: indexes in RAM with per-value HNSW links.
    shard = qe.EdgeShard.create(
        str(path),
        qe.EdgeConfig(
            vectors={"v": qe.EdgeVectorParams(size=4, distance=qe.Distance.Cosine)},
            sparse_vectors={"lexical-v1": qe.EdgeSparseVectorParams(modifier=qe.Modifier.Idf)},
        ),
    )
    for field in ("chain", "doc_id"):
        shard.update(qe.UpdateOperation.create_field_index(field, qe.PayloadSchemaType.Keyword))
    points = [
        qe.Point(id=i, vector={"v": [1.0, i, 0.0, 1.0]}, payload={"chain": "base", "doc_id": "d"})
        for i in range(30)
    ]
    shard.update(qe.UpdateOperation.upsert_points(points))
    shard.close()

    store = EdgeStore(path, "v", 4)
    store.ensure_collection()
    assert store.shard is not None
    schema = store.shard.info().payload_schema
    placement = {
        f: (getattr(s.params, "memory", None), getattr(s.params, "enable_hnsw", None))
        for f, s in schema.items()
    }
    # chain: in RAM (checked at every step of a filtered walk) with links of its own per value.
    assert placement["chain"] == (None, True)
    assert placement["type"] == (None, False)
    assert placement["doc_id"] == placement["published_at"] == (qe.Memory.Cold, False)
    assert schema["chain"].points == 30
    assert store.count() == 30
    store.close()
