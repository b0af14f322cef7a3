"""The embedded store shared by several server processes: one owns it, the others call it.

Qdrant Edge locks its folder for one process, and its Python binding has no read-only follower,
so `cryptorag serve --workers N` keeps the store in the process that opened it (the owner) and
gives each worker a `RemoteStore`: the same `Store` interface, every call sent over a Unix socket
of the standard library's `multiprocessing.connection` (pickled, authenticated by HMAC with a
key only the owner's children are given). The writers' lock (admin ingestion, deletion, the
source loop) is the owner's too, so writers in different workers still take turns, and so are
the in-memory rate limits, so N workers allow what one process would, not N times it.
"""

from __future__ import annotations

import logging
import os
import queue
import secrets
import shutil
import tempfile
import threading
from collections.abc import Iterable, Iterator, Sequence
from multiprocessing import AuthenticationError
from multiprocessing.connection import (  # the handshake Listener.accept runs, per thread
    Client,
    Connection,
    Listener,
    answer_challenge,
    deliver_challenge,
)
from pathlib import Path
from typing import Any

from qdrant_client import models

from app.core.errors import StoreUnavailable
from app.kb.models import Chunk, ScoredChunk
from app.kb.store.base import HybridWeights, RawPoint, Store

log = logging.getLogger(__name__)

# Where a worker finds its owner: the socket's path and the hex key, set by `serve` for its
# children (environment variables survive the spawn that starts each worker).
ADDRESS_ENV = "CRYPTORAG_STORE_OWNER"
KEY_ENV = "CRYPTORAG_STORE_OWNER_KEY"
# Store methods a worker may call: reads, and the writes ingestion makes. Generators come back
# as lists (a connection carries one answer per call).
CALLS = frozenset(
    {
        "upsert_raw",
        "raw_points",
        "search",
        "hybrid",
        "by_addresses",
        "by_ids",
        "scroll_payloads",
        "count",
        "ping",
        "stats",
        "counts",
        "document_hashes",
        "all_chunks",
        "delete_stale_versions",
        "delete_documents",
        "delete_sources",
        "_count",
        "_delete",
    }
)
_LOCK, _UNLOCK, _DESCRIBE, _SHARED = "lock.acquire", "lock.release", "describe", "shared"
# Methods of the owner's shared objects (rate limiters, the leak ledger) a worker may call.
SHARED_METHODS = frozenset({"hit", "prior", "charge"})
# An owner that does not answer a call in this long is taken for hung: the worker's request
# fails with 503 instead of waiting for ever (the writers' lock alone may wait longer).
CALL_TIMEOUT_S = 120.0


class StoreOwner:
    """Answers the workers' store calls from the owner's store, a thread per connection."""

    def __init__(
        self, store: Store, lock: threading.Lock, shared: dict[str, Any] | None = None
    ) -> None:
        self.store = store
        self.lock = lock
        self.shared = shared or {}
        self.key = secrets.token_bytes(32)
        # A private folder: the socket's file is reachable only by this user.
        self._folder = Path(tempfile.mkdtemp(prefix="cryptorag-store-"))
        self.address = str(self._folder / "store.sock")
        # No authkey here: each connection is authenticated on its own thread (below), so a
        # peer that stalls or drops mid-handshake holds up only itself, never the accepting.
        self._listener = Listener(self.address, family="AF_UNIX")
        self._closed = threading.Event()
        self._thread = threading.Thread(target=self._accept, name="store-owner", daemon=True)

    def start(self) -> StoreOwner:
        """Accept workers in the background."""
        self._thread.start()
        return self

    def environment(self) -> dict[str, str]:
        """The variables a worker process reads to reach this owner."""
        return {ADDRESS_ENV: self.address, KEY_ENV: self.key.hex()}

    def close(self) -> None:
        """Stop accepting and remove the socket (connections end with their workers)."""
        self._closed.set()
        self._listener.close()
        shutil.rmtree(self._folder, ignore_errors=True)

    def _accept(self) -> None:
        while not self._closed.is_set():
            try:
                conn = self._listener.accept()
            except Exception:  # closed, or a peer gone at once: the owner keeps accepting
                if self._closed.is_set():
                    return
                log.warning("a store connection failed as it opened", exc_info=True)
                continue
            threading.Thread(target=self._admit, args=(conn,), daemon=True).start()

    def _admit(self, conn: Connection) -> None:
        """The handshake multiprocessing's Listener makes, then the peer's calls."""
        try:
            deliver_challenge(conn, self.key)
            answer_challenge(conn, self.key)
        except (AuthenticationError, EOFError, OSError):
            log.warning("a store connection was refused (failed authentication)")
            conn.close()
            return
        self._serve(conn)

    def _answer(self, name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        """What one store, shared-object or describe call returns."""
        if name == _SHARED:
            target, method, rest = args
            if method not in SHARED_METHODS:
                raise ValueError(f"not a shared call: {method!r}")
            return getattr(self.shared[target], method)(*rest)
        if name == _DESCRIBE:
            s = self.store
            return (s.collection, s.vector_name, s.sparse_name, s.dim)
        if name not in CALLS:
            raise ValueError(f"not a store call: {name!r}")
        result = getattr(self.store, name)(*args, **kwargs)
        return list(result) if isinstance(result, Iterator) else result

    def _serve(self, conn: Connection) -> None:
        held = False
        try:
            while True:
                try:
                    name, args, kwargs = conn.recv()
                except (EOFError, OSError):
                    return
                try:
                    result = None
                    if name == _LOCK:  # held on this connection: released if it ends
                        self.lock.acquire()
                        held = True
                    elif name == _UNLOCK:
                        self.lock.release()
                        held = False
                    else:
                        result = self._answer(name, args, kwargs)
                    reply: tuple[str, Any] = ("ok", result)
                except Exception as exc:  # the worker raises it; the owner goes on
                    reply = ("error", exc)
                try:
                    conn.send(reply)
                except Exception as exc:  # a result pickle cannot carry (nothing was sent yet)
                    conn.send(("error", StoreUnavailable(f"store call {name} failed: {exc!r}")))
        finally:
            if held:  # a worker that died holding the writers' lock must not keep it
                self.lock.release()
            conn.close()


class RemoteStore(Store):
    """The owner's store, seen from a worker: each call one round trip on a pooled connection."""

    address_env = ADDRESS_ENV

    def __init__(self, address: str, key: bytes) -> None:
        self.address = address
        self.key = key
        self._idle: queue.SimpleQueue[Connection] = queue.SimpleQueue()
        self._open: list[Connection] = []
        self.collection, self.vector_name, self.sparse_name, self.dim = self._call(_DESCRIBE)

    @classmethod
    def from_environment(cls) -> RemoteStore | None:
        """The owner named by this process's environment, or None when it names none."""
        address = os.environ.get(ADDRESS_ENV)
        key = os.environ.get(KEY_ENV)
        if not address or not key:
            return None
        return cls(address, bytes.fromhex(key))

    def _connect(self) -> Connection:
        try:
            conn = Client(self.address, family="AF_UNIX", authkey=self.key)
        except (OSError, AuthenticationError) as exc:
            raise StoreUnavailable(f"the store's owner process cannot be reached: {exc}") from exc
        self._open.append(conn)
        return conn

    def _take(self) -> Connection:
        try:
            return self._idle.get_nowait()
        except queue.Empty:
            return self._connect()

    def _call(self, name: str, *args: Any, **kwargs: Any) -> Any:
        conn = self._take()
        try:
            return _ask(conn, name, *args, **kwargs)
        finally:
            if not conn.closed:
                self._idle.put(conn)

    def limiter(self, name: str) -> OwnerLimiter:
        """The owner's rate limiter of this name (its counts are every worker's)."""
        return OwnerLimiter(self, name)

    def ledger(self, name: str) -> OwnerLedger:
        """The owner's leak ledger of this name."""
        return OwnerLedger(self, name)

    def writers_lock(self) -> OwnerLock:
        """The owner's writers' lock, for `with` in any thread of this worker."""
        return OwnerLock(self)

    def ensure_collection(self) -> None:
        """The owner created and checked the collection before any worker started."""

    def upsert_raw(self, points: Sequence[RawPoint]) -> None:
        """Write points through the owner."""
        self._call("upsert_raw", list(points))

    def raw_points(self) -> Iterator[RawPoint]:
        """Every point, fetched from the owner in one answer."""
        return iter(self._call("raw_points"))

    def delete_stale_versions(self, keep: dict[str, str]) -> None:
        """Remove older versions of documents, in the owner."""
        self._call("delete_stale_versions", keep)

    def delete_documents(self, doc_ids: Iterable[str]) -> None:
        """Remove every chunk of these documents, in the owner."""
        self._call("delete_documents", list(doc_ids))

    def delete_sources(self, sources: Sequence[str]) -> int:
        """Remove every chunk of these sources, in the owner."""
        return int(self._call("delete_sources", list(sources)))

    def _delete(self, flt: models.Filter) -> None:
        self._call("_delete", flt)

    def _count(self, flt: models.Filter) -> int:
        return int(self._call("_count", flt))

    def search(
        self, vector: list[float], top_k: int, filters: dict[str, Any] | None = None
    ) -> list[ScoredChunk]:
        """Nearest chunks, found by the owner."""
        return list(self._call("search", vector, top_k, filters))

    def hybrid(
        self,
        dense: list[float],
        sparse: models.SparseVector,
        limit: int,
        filters: dict[str, Any] | None = None,
        weights: HybridWeights | None = None,
        keyword: bool = False,
    ) -> list[ScoredChunk]:
        """Fused candidates, found by the owner."""
        return list(self._call("hybrid", dense, sparse, limit, filters, weights, keyword))

    def by_addresses(
        self, addresses: list[str], limit: int, filters: dict[str, Any] | None = None
    ) -> list[Chunk]:
        """Chunks naming these addresses, found by the owner."""
        return list(self._call("by_addresses", addresses, limit, filters))

    def by_ids(self, ids: Sequence[str]) -> list[Chunk]:
        """The chunks with these ids, from the owner."""
        return list(self._call("by_ids", list(ids)))

    def scroll_payloads(self, fields: list[str] | bool) -> Iterator[tuple[str, dict[str, Any]]]:
        """Every (id, payload), fetched from the owner in one answer."""
        return iter(self._call("scroll_payloads", fields))

    def count(self) -> int:
        """Chunks in the owner's store."""
        return int(self._call("count"))

    def ping(self) -> None:
        """Raise StoreUnavailable unless the owner's store answers."""
        self._call("ping")

    def stats(self) -> dict[str, Any]:
        """The owner's store details."""
        return dict(self._call("stats"))

    def document_hashes(self) -> dict[str, set[str]]:
        """Document keys and hashes, gathered in the owner (one answer, not every payload)."""
        return dict(self._call("document_hashes"))

    def all_chunks(self) -> list[Chunk]:
        """Every stored chunk, from the owner."""
        return list(self._call("all_chunks"))

    def counts(self) -> dict[str, int]:
        """Documents and chunks, counted in the owner."""
        return dict(self._call("counts"))

    def close(self) -> None:
        """Close this worker's connections (the owner keeps the store open)."""
        for conn in self._open:
            conn.close()
        self._open.clear()


class OwnerLimiter:
    """A rate limiter kept in the owner: one round trip a hit."""

    blocks = True  # callers keep it off the event loop (app/core/blocking.py)

    def __init__(self, store: RemoteStore, name: str) -> None:
        self._store = store
        self.name = name

    def hit(self, caller: str) -> int | None:
        """None when allowed; else the seconds until the caller may try again."""
        wait = self._store._call(_SHARED, self.name, "hit", (caller,))
        return None if wait is None else int(wait)


class OwnerLedger:
    """The leak ledger kept in the owner: what each key was sent, whichever worker sent it."""

    blocks = True

    def __init__(self, store: RemoteStore, name: str) -> None:
        self._store = store
        self.name = name

    def prior(self, keys: Iterable[str]) -> Any:
        """What any of these keys was already sent or refused, in every worker (the ledger's
        Account, as the owner's ledger returns it)."""
        return self._store._call(_SHARED, self.name, "prior", (list(keys),))

    def charge(self, keys: Iterable[str], covered: int, refused: bool = False) -> None:
        """Record what a reply sent to these keys (or would have joined), in the owner."""
        if covered:
            self._store._call(_SHARED, self.name, "charge", (list(keys), covered, refused))


class OwnerLock:
    """The owner's writers' lock: each holder keeps it on a connection of its own."""

    def __init__(self, store: RemoteStore) -> None:
        self._store = store
        self._held = threading.local()

    def __enter__(self) -> None:
        conn = self._store._take()
        self._held.conn = conn
        _ask(conn, _LOCK)

    def __exit__(self, *exc: object) -> None:
        conn = self._held.conn
        del self._held.conn
        _ask(conn, _UNLOCK)
        self._store._idle.put(conn)


def _ask(conn: Connection, name: str, *args: Any, **kwargs: Any) -> Any:
    """One call on one connection: the answer, or the owner's exception raised here."""
    try:
        conn.send((name, args, kwargs))
        if name != _LOCK and not conn.poll(CALL_TIMEOUT_S):
            conn.close()  # its answer may still come: the connection is out of step
            raise StoreUnavailable(f"the store's owner did not answer {name} in time")
        status, result = conn.recv()
    except (EOFError, OSError) as exc:
        conn.close()
        raise StoreUnavailable(f"the store's owner process went away: {exc}") from exc
    if status == "error":
        raise result
    return result
