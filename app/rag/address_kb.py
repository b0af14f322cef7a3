"""What the retrieved knowledge base says about an address: its document, chain and siblings."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from app.evm.addresses import find_addresses
from app.evm.chains import chains_in
from app.kb.models import ADDRESSES_BY_CHAIN, Chunk, ScoredChunk
from app.rag.extractive import split_sentences

# A sentence or a list line: the unit in which a chain name is tied to an address.
_CLAUSE = re.compile(r"(?<=[.!?;])\s+|\n")


@dataclass
class Mention:
    """An address on a chain, as one retrieved chunk states it."""

    address: str
    chain: str | None
    chunk: Chunk
    clause: str


@dataclass
class KnownAddress:
    """The retrieved documents about one address, and the other addresses they give its asset."""

    address: str
    subject: list[Chunk] = field(default_factory=list)  # documents that declare the address
    mentions: list[Chunk] = field(default_factory=list)  # documents that only name it
    chains: list[str] = field(default_factory=list)  # where the knowledge base puts it
    by_chain: dict[str, Chunk] = field(default_factory=dict)  # the first document per chain
    siblings: list[Mention] = field(default_factory=list)  # the same asset on other chains

    def main(self, chain: str | None = None) -> Chunk | None:
        """The document about the address (on this chain when one is), else the first naming it."""
        on_chain = self.by_chain.get(chain) if chain else None
        if on_chain is not None and (on_chain in self.subject or not self.subject):
            return on_chain
        found = self.subject or self.mentions
        return found[0] if found else None

    def clause(self, chunk: Chunk) -> str | None:
        """The sentence of a document that names the address."""
        low = self.address.lower()
        return next((s for s in split_sentences(chunk.text) if low in s.lower()), None)


def clauses(text: str) -> list[str]:
    """Sentences and lines of a chunk, stripped of list markers."""
    return [c.strip().lstrip("-* ").strip() for c in _CLAUSE.split(text) if c.strip()]


def chain_near(clause: str, address: str) -> str | None:
    """The chain named closest before the address in its clause, else the first one after it."""
    at = clause.lower().find(address.lower())
    if at < 0:
        return None
    before = chains_in(clause[:at])
    if before:
        return before[-1].name
    after = chains_in(clause[at:])
    return after[0].name if after else None


def declared_chain(chunk: Chunk, address: str) -> str | None:
    """The chain a multi-chain document's front matter gives this address, if it does."""
    by_chain = chunk.metadata.get(ADDRESSES_BY_CHAIN)
    if not isinstance(by_chain, dict):
        return None
    return next((str(c) for c, addrs in by_chain.items() if address in (addrs or [])), None)


def _mention(chunk: Chunk, address: str) -> Mention | None:
    for clause in clauses(chunk.text):
        if address.lower() in clause.lower():
            return Mention(address, chain_near(clause, address) or chunk.chain, chunk, clause)
    return None


def describe(address: str, hits: list[ScoredChunk]) -> KnownAddress:
    """Everything the retrieved chunks say about one EIP-55 address."""
    known = KnownAddress(address)
    for hit in hits:
        c = hit.chunk
        if address in c.subject_addresses:
            known.subject.append(c)
        elif address in c.addresses or address.lower() in c.text.lower():
            known.mentions.append(c)
    for chunk in known.subject + known.mentions:
        m = _mention(chunk, address)
        chain = m.chain if m else chunk.chain if address in chunk.subject_addresses else None
        chain = declared_chain(chunk, address) or chain  # front matter per chain says it exactly
        if chain and chain not in known.chains:
            known.chains.append(chain)
            known.by_chain[chain] = chunk
    known.siblings = _siblings(known)
    return known


def _siblings(known: KnownAddress) -> list[Mention]:
    """Other addresses of the same asset: listed in its own document, or documents listing it."""
    out: dict[str, Mention] = {}
    own = set(known.chains)
    for chunk in known.subject:
        # Its document's other addresses, each with the chain its line names.
        for clause in clauses(chunk.text):
            for found in find_addresses(clause):
                other = found.checksum
                if other == known.address or other in out or found.status == "invalid":
                    continue
                chain = chain_near(clause, other)
                if chain and chain not in own:
                    out[other] = Mention(other, chain, chunk, clause)
    for chunk in known.mentions:
        # A document about another address that lists this one as its version elsewhere.
        if chunk.type != "contract" or not chunk.chain or chunk.chain in own:
            continue
        for other in chunk.subject_addresses:
            if other != known.address and other not in out:
                out[other] = Mention(other, chunk.chain, chunk, chunk.title)
    return list(out.values())
