"""Live chain state merged with what the knowledge base says about the same address."""

from __future__ import annotations

import threading
import time

from app.chain.checks.lookalike import Known, LookalikeIndex, lookalike_check
from app.chain.facts import Check, ContractFacts, KnowledgeRef, ProtocolInfo
from app.chain.inspector import Inspector
from app.chain.untrusted import clean
from app.kb.models import Chunk
from app.kb.store import QdrantStore

# The knowledge base's addresses are re-read when its size changed, at most this often.
KB_REFRESH_S = 30.0


class KnownAddresses:
    """Every address the service knows, by trust: curated list, knowledge base, on-chain reads."""

    def __init__(self, inspector: Inspector, store: QdrantStore) -> None:
        self.store = store
        self.curated = LookalikeIndex()
        for t in inspector.canonical.by_address.values():
            self.curated.add(
                Known(t.address, f"{t.name} ({t.symbol})", t.chain, "curated token list")
            )
        self.reads = LookalikeIndex()
        self._kb = LookalikeIndex()
        self._kb_state: tuple[int, float] | None = None
        self._lock = threading.Lock()

    def knowledge(self) -> LookalikeIndex:
        """The knowledge base's addresses, rebuilt when the store changed size (at most every
        KB_REFRESH_S)."""
        with self._lock:
            now = time.monotonic()
            if self._kb_state and now - self._kb_state[1] < KB_REFRESH_S:
                return self._kb
            count = self.store.count()
            if self._kb_state and self._kb_state[0] == count:
                self._kb_state = (count, now)
                return self._kb
            index = LookalikeIndex()
            fields = ["subject_addresses", "addresses", "title", "chain"]
            mentions: list[Known] = []
            for _, p in self.store.scroll_payloads(fields):
                if not (p.get("subject_addresses") or p.get("addresses")):
                    continue
                title = clean(str(p.get("title") or ""), limit=80, label="title").text
                chain = p.get("chain") if isinstance(p.get("chain"), str) else None
                for a in p.get("subject_addresses") or []:
                    index.add(Known(str(a), title or str(a), chain, "knowledge base"))
                for a in p.get("addresses") or []:
                    mentions.append(Known(str(a), f"named in {title}", chain, "knowledge base"))
            # What a document is about wins over an address another one only mentions.
            for known in mentions:
                index.add(known)
            self._kb, self._kb_state = index, (count, now)
            return index

    def check(self, address: str, chain: str | None) -> Check:
        """lookalike: compared with sources at least as trusted as what knows the address itself."""
        kb = self.knowledge()
        if self.curated.known(address):
            indexes: list[LookalikeIndex] = []
        elif kb.known(address):
            indexes = [self.curated]
        else:
            indexes = [self.curated, kb, self.reads]
        return lookalike_check(address, chain, indexes)

    def saw(self, facts: ContractFacts) -> None:
        """Remember the addresses an on-chain read named."""
        label = f"an address read on-chain on {facts.chain} at block {facts.block_number}"
        for a in (facts.address, facts.owner, facts.proxy.implementation if facts.proxy else None):
            if a:
                self.reads.add(Known(a, label, facts.chain, "on-chain reads"))


class ContractLookup:
    """Inspects an address and ties it to its protocol and documents in the knowledge base."""

    def __init__(self, inspector: Inspector, store: QdrantStore) -> None:
        self.inspector = inspector
        self.store = store
        self.known = KnownAddresses(inspector, store)

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
        # New lists: the inspector's cached facts keep theirs.
        lookalike = self.known.check(facts.address, facts.chain)
        facts.checks = [*facts.checks, lookalike]
        if lookalike.status == "found":
            facts.warnings = [lookalike.summary, *facts.warnings]
        self.known.saw(facts)
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
