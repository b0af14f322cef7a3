"""Opens the configured store: a Qdrant server when a URL is set, Qdrant Edge otherwise."""

from __future__ import annotations

from app.core.errors import ConfigError
from app.core.settings import StoreSettings
from app.kb.store.base import Store
from app.kb.store.edge import EdgeStore
from app.kb.store.server import ServerStore, open_client


def open_store(settings: StoreSettings, vector_name: str, dim: int, sparse_name: str) -> Store:
    """The store for these settings, opened and checked against this model's vectors."""
    store: Store
    if settings.qdrant_url is not None:
        store = ServerStore(
            open_client(settings),
            settings.collection,
            vector_name,
            dim,
            sparse_name=sparse_name,
            server=True,
            shards=settings.shards,
            replication_factor=settings.replication_factor,
        )
    else:
        refuse_local_mode(settings)
        store = EdgeStore(
            settings.edge_path,
            vector_name,
            dim,
            sparse_name=sparse_name,
            hnsw_ef=settings.hnsw_ef,
            index_threshold=settings.index_threshold,
        )
    try:
        store.ensure_collection()
    except Exception:
        store.close()
        raise
    return store


def has_local_mode(settings: StoreSettings) -> bool:
    """True when the data dir holds this collection in qdrant-client's local-mode layout."""
    return (settings.local_path / "collection" / settings.collection / "storage.sqlite").exists()


def refuse_local_mode(settings: StoreSettings) -> None:
    """Stop with what to run when only the old local-mode store holds the data."""
    if has_local_mode(settings) and not (settings.edge_path / "edge_config.json").exists():
        raise ConfigError(
            f"{settings.local_path} holds the knowledge base in qdrant-client's local-mode "
            "format, which the embedded store (Qdrant Edge) cannot open. Run "
            "`cryptorag store migrate` to copy it, or remove that folder and ingest again."
        )
