"""Live lookups of the addresses in a question, as fenced facts for the prompt and as sources."""

from __future__ import annotations

import logging
from typing import Any

import anyio

from app.chain.canonical import CanonicalTokens
from app.chain.checks.report import check_lines
from app.chain.facts import ContractFacts
from app.chain.lookup import ContractLookup
from app.core.errors import AppError
from app.evm.chains import label
from app.kb.retriever import Retrieval
from app.rag.address_kb import describe
from app.rag.context import Source, sanitise
from app.rag.notices import for_people, not_read_warning
from app.rag.prompts import Prompts

log = logging.getLogger(__name__)


class OnchainFacts:
    """Looks up the addresses a question names, on the chains the question or the knowledge base
    gives them, else the default one; proxies bring the accounts that can upgrade them."""

    def __init__(self, contracts: ContractLookup, default_chain: str, limit: int) -> None:
        self.contracts = contracts
        self.default_chain = default_chain
        self.limit = limit

    @property
    def canonical(self) -> CanonicalTokens:
        """The curated token list the inspector checks symbols against."""
        return self.contracts.inspector.canonical

    def configured(self, chain: str) -> bool:
        """Whether an RPC URL is configured for this chain."""
        return chain in self.contracts.inspector.clients

    def chains_for(
        self, address: str, retrieval: Retrieval, filters: dict[str, Any] | None
    ) -> list[str]:
        """The chain the user names, else the chains of the documents about it, else the default.

        An address the knowledge base places on several chains is read on each configured one.
        """
        wanted = filters.get("chain") if filters else None
        named = [wanted] if isinstance(wanted, str) else list(wanted or [])
        named = [str(c) for c in named] or retrieval.chains
        if named:
            return named[:1]
        known = describe(address, retrieval.hits).chains
        # Of several chains none of which can be read, the default one is the likeliest asked.
        known.sort(key=lambda c: c != self.default_chain)
        return [c for c in known if self.configured(c)] or known[:1] or [self.default_chain]

    async def lookup(
        self, retrieval: Retrieval, filters: dict[str, Any] | None
    ) -> tuple[list[ContractFacts], list[str]]:
        """Facts for each usable address; failures become warnings, never a failed answer."""
        addresses = [a.checksum for a in retrieval.addresses if a.status != "invalid"]
        if not addresses or self.limit == 0:
            return [], []
        targets = [(c, a) for a in addresses for c in self.chains_for(a, retrieval, filters)]
        facts: list[ContractFacts] = []
        warnings: list[str] = []
        for chain, address in targets[: self.limit]:
            try:
                found = await anyio.to_thread.run_sync(self.contracts.lookup, chain, address)
            except AppError as exc:
                # The operator reads the whole message (which setting to change); people, why.
                log.warning("on-chain lookup of %s on %s failed: %s", address, chain, exc.message)
                why = for_people(exc.message, exc.code, label(chain))
                warnings.append(not_read_warning(address, label(chain), why))
                continue
            facts.append(found)
            facts.extend(await self._authorities(found, {f.address for f in facts}))
        return facts, warnings

    def imitated(self, retrieval: Retrieval, filters: dict[str, Any] | None) -> set[str]:
        """The real addresses that the question's addresses imitate (lower case), which the
        lookalike warning names: known to the service, so not unverified."""
        out: set[str] = set()
        for a in retrieval.addresses:
            if a.status == "invalid":
                continue
            for chain in self.chains_for(a.checksum, retrieval, filters):
                check = self.contracts.known.check(a.checksum, chain)
                if check.status == "found":
                    out.add(str(check.details["real"]).lower())
        return out

    async def _authorities(self, facts: ContractFacts, seen: set[str]) -> list[ContractFacts]:
        """The accounts that can upgrade a proxy: its admin or beacon, and their owner."""
        if facts.proxy is None or facts.proxy.standard == "eip1167":
            return []  # not a proxy, or a clone, whose target is fixed at creation
        first = facts.proxy.admin or facts.proxy.beacon or facts.owner
        out: list[ContractFacts] = []
        for _ in range(2):  # the admin or beacon, then its owner
            if first is None or first in seen:
                break
            try:
                found = await anyio.to_thread.run_sync(
                    self.contracts.inspector.inspect, facts.chain, first
                )
            except AppError as exc:
                log.info("lookup of upgrade authority %s failed: %s", first, exc.message)
                break
            out.append(found)
            seen.add(found.address)
            first = found.owner if found.is_contract else None
        return out


def onchain_sources(facts: list[ContractFacts], first_index: int) -> list[Source]:
    """One numbered source per lookup, after the knowledge-base sources."""
    return [
        Source(
            first_index + n,
            f"{f.chain}:{f.address}",
            f"On-chain state of {f.address} on {f.chain} at block {f.block_number}",
            None,
            1.0,
            trust="onchain",
        )
        for n, f in enumerate(facts)
    ]


def onchain_block(facts: list[ContractFacts], sources: list[Source], prompts: Prompts) -> str:
    """The fenced on-chain block of the system prompt; deployer strings are escaped inside it."""
    if not facts:
        return "(no on-chain lookup for this question)"
    return _render("onchain", facts, sources, prompts)


def onchain_answer(facts: list[ContractFacts], sources: list[Source], prompts: Prompts) -> str:
    """The on-chain part of an extractive answer."""
    return _render("onchain_answer", facts, sources, prompts)


def _render(
    template: str, facts: list[ContractFacts], sources: list[Source], prompts: Prompts
) -> str:
    return "\n\n".join(
        prompts.render(
            template,
            index=s.index,
            chain=f.chain,
            block=f.block_number,
            address=f.address,
            facts=sanitise("\n".join([f.summary(), *check_lines(f)])),
        )
        for f, s in zip(facts, sources, strict=True)
    )
