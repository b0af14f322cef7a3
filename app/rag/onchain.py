"""Live lookups of the addresses in a question, as fenced facts for the prompt and as sources."""

from __future__ import annotations

import logging
from typing import Any

import anyio

from app.chain.facts import ContractFacts
from app.chain.lookup import ContractLookup
from app.core.errors import AppError
from app.kb.retriever import Retrieval
from app.rag.context import Source, sanitise
from app.rag.prompts import Prompts

log = logging.getLogger(__name__)


class OnchainFacts:
    """Looks up the addresses a question names, on the chain it names or the default one."""

    def __init__(self, contracts: ContractLookup, default_chain: str, limit: int) -> None:
        self.contracts = contracts
        self.default_chain = default_chain
        self.limit = limit

    async def lookup(
        self, retrieval: Retrieval, filters: dict[str, Any] | None
    ) -> tuple[list[ContractFacts], list[str]]:
        """Facts for each usable address; failures become warnings, never a failed answer."""
        addresses = [a.checksum for a in retrieval.addresses if a.status != "invalid"]
        if not addresses or self.limit == 0:
            return [], []
        wanted = filters.get("chain") if filters else None
        chain = str(wanted) if isinstance(wanted, str) else None
        chain = chain or (retrieval.chains[0] if retrieval.chains else self.default_chain)
        facts: list[ContractFacts] = []
        warnings: list[str] = []
        for address in addresses[: self.limit]:
            try:
                facts.append(await anyio.to_thread.run_sync(self.contracts.lookup, chain, address))
            except AppError as exc:
                log.info("on-chain lookup of %s on %s failed: %s", address, chain, exc.message)
                warnings.append(
                    f"on-chain state of {address} on {chain} was not read: {exc.message}"
                )
        return facts, warnings


def onchain_sources(facts: list[ContractFacts], first_index: int) -> list[Source]:
    """One numbered source per lookup, after the knowledge-base sources."""
    return [
        Source(
            first_index + n,
            f"{f.chain}:{f.address}",
            f"On-chain state of {f.address} on {f.chain} at block {f.block_number}",
            None,
            1.0,
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
            facts=sanitise(f.summary()),
        )
        for f, s in zip(facts, sources, strict=True)
    )
