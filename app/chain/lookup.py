"""Live chain state merged with what the knowledge base says about the same address."""

from __future__ import annotations

from app.chain.facts import ContractFacts, KnowledgeRef, ProtocolInfo
from app.chain.inspector import Inspector
from app.kb.models import Chunk
from app.kb.store import QdrantStore


class ContractLookup:
    """Inspects an address and ties it to its protocol and documents in the knowledge base."""

    def __init__(self, inspector: Inspector, store: QdrantStore) -> None:
        self.inspector = inspector
        self.store = store

    def lookup(self, chain: str, address: str) -> ContractFacts:
        """Facts at the latest block, with the protocol and documents the store has for it."""
        facts = self.inspector.inspect(chain, address)
        chunks = [
            c
            for c in self.store.by_addresses([facts.address], limit=64)
            if facts.address in c.subject_addresses and c.chain in (None, facts.chain)
        ]
        facts.protocol = protocol_of(chunks)
        seen: dict[str, KnowledgeRef] = {}
        for c in chunks:
            seen.setdefault(c.doc_id, KnowledgeRef(source=c.source, title=c.title, type=c.type))
        facts.knowledge = list(seen.values())[:5]
        return facts


def protocol_of(chunks: list[Chunk]) -> ProtocolInfo | None:
    """The protocol of the first protocol-registry or protocol-page chunk about the address."""
    for c in sorted(chunks, key=lambda c: c.type != "protocol"):
        if c.protocol:
            category = c.metadata.get("category")
            return ProtocolInfo(
                name=c.protocol,
                category=str(category) if category else None,
                website=c.url,
                source=c.source,
                title=c.title,
            )
    return None
