"""Copies a local-mode collection (qdrant-client's path= layout) into a Qdrant Edge shard."""

from __future__ import annotations

import logging
from collections.abc import Callable
from itertools import islice

from qdrant_client import QdrantClient, models

from app.core.errors import ConfigError
from app.core.settings import StoreSettings
from app.kb.store.edge import EdgeStore
from app.kb.store.factory import has_local_mode
from app.kb.store.server import ServerStore

log = logging.getLogger(__name__)
BATCH = 256


def migrate(settings: StoreSettings, progress: Callable[[int], None] | None = None) -> int:
    """Copy every point with its vectors and payload; the number of points copied."""
    if not has_local_mode(settings):
        raise ConfigError(
            f"no local-mode collection {settings.collection!r} under {settings.local_path}"
        )
    if (settings.edge_path / "edge_config.json").exists():
        raise ConfigError(
            f"{settings.edge_path} already holds an embedded store; remove it to migrate again"
        )
    client = QdrantClient(path=str(settings.local_path))
    try:
        params = client.get_collection(settings.collection).config.params
        dense = params.vectors if isinstance(params.vectors, dict) else {}
        sparse = params.sparse_vectors or {}
        if len(dense) != 1 or len(sparse) != 1:
            raise ConfigError(
                "expected one dense and one sparse vector, "
                f"found {sorted(dense)} and {sorted(sparse)}"
            )
        ((vector_name, vp),) = dense.items()
        (sparse_name,) = sparse
        assert isinstance(vp, models.VectorParams)
        source = ServerStore(
            client, settings.collection, vector_name, vp.size, sparse_name=sparse_name
        )
        target = EdgeStore(settings.edge_path, vector_name, vp.size, sparse_name=sparse_name)
        target.ensure_collection()
        copied = 0
        try:
            points = source.raw_points()
            while batch := list(islice(points, BATCH)):
                target.upsert_raw(batch)
                copied += len(batch)
                if progress:
                    progress(copied)
            target.flush()
            if target.count() != source.count():
                raise ConfigError(f"copied {target.count()} points of {source.count()}")
        finally:
            target.close()
        return copied
    finally:
        client.close()
