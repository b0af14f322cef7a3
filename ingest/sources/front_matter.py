"""Where a document's token lives: `chain` (one name or a list) and `addresses` (a list, or a
mapping of chain to address or list of addresses), read into one chain, the document's
addresses and, for a token on several chains, the addresses of each chain.

A shape that cannot be read without guessing (several chains and a flat list of several
addresses, a chain the registry does not know as a key) is refused with the field named; what
can be read with a loss (an address that is not one, an unknown chain name) is a warning that
reaches the ingest report.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from app.evm.addresses import normalise_all
from app.evm.chains import resolve as resolve_chain
from app.kb.models import ADDRESSES_BY_CHAIN, CHAINS

log = logging.getLogger(__name__)

_NOTES: ContextVar[list[str] | None] = ContextVar("front_matter_notes", default=None)


class FrontMatterError(ValueError):
    """Front matter that cannot be read without guessing; the message names the field."""


@contextmanager
def collecting(notes: list[str]) -> Iterator[None]:
    """Warnings about the documents made inside the block are appended to notes."""
    token = _NOTES.set(notes)
    try:
        yield
    finally:
        _NOTES.reset(token)


def warn(source: str, message: str) -> None:
    """A warning about one document: logged, and kept for the ingest report when collecting."""
    log.warning("%s: %s", source, message)
    notes = _NOTES.get()
    if notes is not None:
        notes.append(message)


@dataclass
class Placement:
    """The chains and addresses a document declares."""

    chain: str | None = None  # the first: where the token originates, filters match it
    chains: list[str] = field(default_factory=list)
    addresses: list[str] = field(default_factory=list)
    by_chain: dict[str, list[str]] = field(default_factory=dict)

    def metadata(self) -> dict[str, Any]:
        """What a token on several chains adds to the document's metadata."""
        if len(self.chains) < 2 and len(self.by_chain) < 2:
            return {}
        return {CHAINS: self.chains, ADDRESSES_BY_CHAIN: self.by_chain}


def _address_text(value: Any) -> str:
    """YAML reads an unquoted 0x-address as a hex integer; turn it back into an address."""
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 2**160:
        return f"0x{value:040x}"
    return str(value)


def _chain(value: Any, where: str, source: str) -> str:
    name = str(value).strip().lower()
    chain = resolve_chain(name)
    if chain is None:
        warn(source, f"front matter `{where}`: unknown chain {name!r} kept as written")
        return name
    return chain.name


def _chains(value: Any, source: str) -> list[str]:
    if value is None or value == "" or value == []:
        return []
    if isinstance(value, list):
        if not all(isinstance(v, str) and v.strip() for v in value):
            raise FrontMatterError("front matter `chain`: a list must hold chain names only")
        return list(dict.fromkeys(_chain(v, "chain", source) for v in value))
    if isinstance(value, dict):
        raise FrontMatterError(
            "front matter `chain`: a chain name or a list of them (`chain: [ethereum, "
            "arbitrum]`), not a mapping; per-chain addresses go under `addresses`"
        )
    return [_chain(value, "chain", source)]


def _addresses(values: list[Any], where: str, source: str) -> list[str]:
    texts = [_address_text(v) for v in values]
    found = normalise_all(texts)
    for text in texts:
        if not normalise_all([text]):
            warn(source, f"front matter `{where}`: {text[:60]!r} is not a 0x address; ignored")
    return found


def placement(meta: dict[str, Any], source: str) -> Placement:
    """The chains and addresses of a document's front matter; FrontMatterError when ambiguous."""
    chains = _chains(meta.get("chain"), source)
    raw = meta.get("addresses")
    out = Placement()
    if isinstance(raw, dict):
        for key, value in raw.items():
            chain = _chain(key, f"addresses.{key}", source)
            values = value if isinstance(value, list) else [value]
            found = _addresses(values, f"addresses.{key}", source)
            if found:
                out.by_chain.setdefault(chain, []).extend(found)
        chains += [c for c in out.by_chain if c not in chains]
        out.addresses = list(dict.fromkeys(a for v in out.by_chain.values() for a in v))
    else:
        values = raw if isinstance(raw, list) else [] if raw in (None, "") else [raw]
        out.addresses = _addresses(values, "addresses", source)
        if len(chains) > 1 and len(out.addresses) > 1:
            raise FrontMatterError(
                f"front matter `addresses`: {len(out.addresses)} addresses and "
                f"{len(chains)} chains in `chain`, so which address is on which chain is not "
                "said; write them per chain (`addresses: {ethereum: 0x..., arbitrum: 0x...}`)"
            )
        if len(chains) > 1 and out.addresses:
            out.by_chain = {c: list(out.addresses) for c in chains}  # one address on each chain
    out.chains = chains
    out.chain = chains[0] if chains else None
    return out
