"""A worker's store is its owner's: the same answers, writes that land, errors with their type,
one writers' lock for all, and a refused stranger."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterator

import pytest

from app.access.limits import RateLimiter
from app.core.errors import StoreUnavailable
from app.kb.store.remote import RemoteStore, StoreOwner
from app.rag.leakledger import LeakLedger
from app.services import Services

pytestmark = pytest.mark.integration


@pytest.fixture
def owned(sample_services: Callable[..., Services]) -> Iterator[tuple[Services, StoreOwner]]:
    services = sample_services()
    shared = {"requests": RateLimiter("3/minute"), "ledger": LeakLedger()}
    owner = StoreOwner(services.store, threading.Lock(), shared).start()
    yield services, owner
    owner.close()


def _worker(owner: StoreOwner) -> RemoteStore:
    return RemoteStore(owner.address, owner.key)


def test_a_worker_reads_what_the_owner_holds(owned: tuple[Services, StoreOwner]) -> None:
    services, owner = owned
    remote = _worker(owner)
    try:
        assert remote.dim == services.store.dim
        assert remote.vector_name == services.store.vector_name
        vector = services.embedder.embed_query("How do I wrap ether?")
        sparse = services.sparse.encode_query("How do I wrap ether?")
        assert remote.hybrid(vector, sparse, 5) == services.store.hybrid(vector, sparse, 5)
        assert remote.search(vector, 3) == services.store.search(vector, 3)
        assert remote.counts() == services.store.counts()
        weth = "0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2"
        found = remote.by_addresses([weth], 5)
        assert found and found == services.store.by_addresses([weth], 5)
        assert remote.by_ids([found[0].id]) == [found[0]]
        remote.ping()
    finally:
        remote.close()


def test_writes_land_in_the_owners_store(owned: tuple[Services, StoreOwner]) -> None:
    services, owner = owned
    remote = _worker(owner)
    try:
        doc = next(iter(services.store.document_hashes()))
        before = services.store.count()
        remote.delete_documents([doc])
        assert services.store.count() < before  # the owner's store, not a copy
        assert remote.count() == services.store.count()
    finally:
        remote.close()


def test_the_owners_errors_arrive_with_their_type(owned: tuple[Services, StoreOwner]) -> None:
    services, owner = owned
    remote = _worker(owner)
    try:
        with pytest.raises(ValueError, match="not a store call"):
            remote._call("close")  # not on the list: a worker cannot close the owner's store
        services.store.close()
        with pytest.raises(StoreUnavailable):
            remote.ping()
    finally:
        remote.close()


def test_one_writers_lock_for_every_worker(owned: tuple[Services, StoreOwner]) -> None:
    _, owner = owned
    first, second = _worker(owner), _worker(owner)
    try:
        with first.writers_lock():
            assert owner.lock.locked()
            taken = threading.Event()

            def take() -> None:
                with second.writers_lock():
                    taken.set()

            other = threading.Thread(target=take)
            other.start()
            assert not taken.is_set()  # the second worker waits for the first
        other.join()
        assert taken.is_set() and not owner.lock.locked()
    finally:
        first.close()
        second.close()


def test_a_worker_that_dies_holding_the_lock_gives_it_back(
    owned: tuple[Services, StoreOwner],
) -> None:
    _, owner = owned
    remote = _worker(owner)
    remote.writers_lock().__enter__()
    assert owner.lock.locked()
    remote.close()  # its connections end, as when its process dies
    assert owner.lock.acquire(timeout=60)  # released as soon as the owner sees the end
    owner.lock.release()


def test_a_wrong_key_is_refused(owned: tuple[Services, StoreOwner]) -> None:
    _, owner = owned
    with pytest.raises(StoreUnavailable, match="cannot be reached"):
        RemoteStore(owner.address, b"not the key")
    remote = _worker(owner)  # the owner still serves the others
    try:
        remote.ping()
    finally:
        remote.close()


def test_workers_share_the_owners_rate_limit(owned: tuple[Services, StoreOwner]) -> None:
    _, owner = owned
    first, second = _worker(owner), _worker(owner)
    try:
        hits = [w.limiter("requests").hit("who") for w in (first, second, first, second)]
        assert hits[:3] == [None, None, None]  # 3 a minute between them, not 3 each
        assert isinstance(hits[3], int) and hits[3] >= 1
        assert first.limiter("requests").hit("someone else") is None
        # A round trip to another process: the API awaits it off the event loop.
        assert first.limiter("requests").blocks and first.ledger("ledger").blocks
    finally:
        first.close()
        second.close()


def test_workers_share_the_owners_leak_ledger(owned: tuple[Services, StoreOwner]) -> None:
    """What one worker sent a caller of the hidden prompt, another worker knows."""
    _, owner = owned
    first, second = _worker(owner), _worker(owner)
    try:
        first.ledger("ledger").charge(["session:a", "addr:1"], 0b1011)
        second.ledger("ledger").charge(["addr:1"], 0b0100, refused=True)
        seen = second.ledger("ledger").prior(["addr:1"])
        assert (seen.sent, seen.refused) == (0b1011, 0b0100)
        assert first.ledger("ledger").prior(["someone"]).sent == 0
        with pytest.raises(ValueError, match="not a shared call"):
            first._call("shared", "ledger", "accounts", ())  # only the ledger's two calls
    finally:
        first.close()
        second.close()


def test_a_peer_that_drops_mid_handshake_does_not_stop_the_owner(
    owned: tuple[Services, StoreOwner],
) -> None:
    _, owner = owned
    for _ in range(3):  # connect, read the challenge, leave
        with socket.socket(socket.AF_UNIX) as peer:
            peer.connect(owner.address)
            peer.recv(64)
    remote = _worker(owner)  # the owner still admits workers
    try:
        remote.ping()
    finally:
        remote.close()
