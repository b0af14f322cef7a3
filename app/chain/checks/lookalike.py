"""Address poisoning: an address with the same first and last hex characters as a known one."""

from __future__ import annotations

import threading
from dataclasses import dataclass

from app.chain.checks.messages import say
from app.chain.facts import Check, Evidence
from app.evm.chains import label as chain_label

# At least this many hex characters, after 0x, agree at each end.
EDGE = 4


@dataclass(frozen=True)
class Known:
    """An address the service knows, and how it knows it."""

    address: str
    label: str
    chain: str | None
    source: str  # "curated token list", "knowledge base" or "on-chain read"


def _key(address: str) -> tuple[str, str]:
    body = address.lower().removeprefix("0x")
    return body[:EDGE], body[-EDGE:]


def _shared(a: str, b: str) -> tuple[int, int]:
    x, y = a.lower().removeprefix("0x"), b.lower().removeprefix("0x")
    head = next((i for i, (p, q) in enumerate(zip(x, y, strict=True)) if p != q), len(x))
    tail = next((i for i, (p, q) in enumerate(zip(x[::-1], y[::-1], strict=True)) if p != q), 0)
    return head, tail


class LookalikeIndex:
    """Known addresses keyed by their first and last EDGE hex characters; thread-safe."""

    def __init__(self) -> None:
        self._by_key: dict[tuple[str, str], dict[str, Known]] = {}
        self._lock = threading.Lock()

    def add(self, known: Known) -> None:
        """Remember an address; the first description of it wins."""
        with self._lock:
            bucket = self._by_key.setdefault(_key(known.address), {})
            bucket.setdefault(known.address.lower(), known)

    def known(self, address: str) -> bool:
        """Whether this exact address is in the index."""
        with self._lock:
            return address.lower() in self._by_key.get(_key(address), {})

    def __len__(self) -> int:
        with self._lock:
            return sum(len(b) for b in self._by_key.values())

    def imitated(self, address: str) -> list[tuple[Known, int, int]]:
        """Known addresses this one imitates: (known, shared head, shared tail), closest first."""
        with self._lock:
            bucket = dict(self._by_key.get(_key(address), {}))
        hits = [
            (k, *_shared(address, k.address)) for a, k in bucket.items() if a != address.lower()
        ]
        return sorted(hits, key=lambda h: -(h[1] + h[2]))


def lookalike_check(address: str, chain: str | None, indexes: list[LookalikeIndex]) -> Check:
    """The lookalike check against every index given (curated list, knowledge base, reads)."""
    hits = [h for ix in indexes for h in ix.imitated(address)]
    count = sum(len(ix) for ix in indexes)
    evidence = Evidence(
        method="compare_known_addresses",
        params=[address, {"edge_hex_chars": EDGE}],
        result=[
            {"address": k.address, "label": k.label, "chain": k.chain, "source": k.source,
             "same_first": head, "same_last": tail}
            for k, head, tail in hits[:5]
        ],
    )  # fmt: skip
    if not hits:
        summary = say("lookalike.not_found", address=address, n=EDGE, count=count)
        return Check(id="lookalike", status="not_found", summary=summary, evidence=evidence)
    # The real address on this chain first, when the service knows one.
    hits.sort(key=lambda h: h[0].chain not in (chain, None))
    real, head, tail = hits[0]
    where = chain_label(real.chain) if real.chain else "any chain"
    summary = say(
        "lookalike.found",
        address=address,
        real=real.address,
        label=real.label,
        where=f"{where}, from the {real.source}",
        head=head,
        tail=tail,
    )
    details = {
        "real": real.address,
        "label": real.label,
        "chain": real.chain,
        "source": real.source,
    }
    return Check(
        id="lookalike", status="found", summary=summary, evidence=evidence, details=details
    )
