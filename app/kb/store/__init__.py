"""The vector store: one interface, Qdrant Edge embedded by default, qdrant-client for a server."""

from app.kb.store.base import KEYWORD_FIELDS, HybridWeights, RawPoint, Store
from app.kb.store.edge import EdgeStore
from app.kb.store.factory import open_store
from app.kb.store.filters import DATE_FIELDS, FILTER_FIELDS, build_filter, filter_conditions
from app.kb.store.server import ServerStore, open_client

# The interface's former name; code that annotates with it keeps working.
QdrantStore = Store

__all__ = [
    "DATE_FIELDS",
    "FILTER_FIELDS",
    "KEYWORD_FIELDS",
    "EdgeStore",
    "HybridWeights",
    "QdrantStore",
    "RawPoint",
    "ServerStore",
    "Store",
    "build_filter",
    "filter_conditions",
    "open_client",
    "open_store",
]
