"""What an inspection found, in the shape GET /v1/contracts returns, and as text for prompts."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

Standard = Literal["erc20", "erc721", "erc1155", "erc4626", "erc165"]
ProxyStandard = Literal["eip1967", "eip1167", "eip1822", "beacon"]


class TokenInfo(BaseModel):
    """Token metadata as the contract reports it (name and symbol cleaned, never trusted)."""

    name: str | None = None
    symbol: str | None = None
    decimals: int | None = None
    total_supply: str | None = Field(default=None, description="decimal string, base units")


class ProxyInfo(BaseModel):
    """Where calls to a proxy go."""

    standard: ProxyStandard
    implementation: str | None = None
    beacon: str | None = None
    admin: str | None = None
    upgrade: Literal["uups", "transparent"] | None = None


class ProtocolInfo(BaseModel):
    """The knowledge base's entry for the protocol this address belongs to."""

    name: str
    category: str | None = None
    website: str | None = None
    source: str
    title: str


class ListedToken(BaseModel):
    """A curated token list that names this exact address."""

    list: str
    name: str
    symbol: str


class KnowledgeRef(BaseModel):
    """A knowledge-base document about this address."""

    source: str
    title: str
    type: str


class ContractFacts(BaseModel):
    """Live state of one address at one block."""

    chain: str
    chain_id: int | None = None
    address: str
    account_type: Literal["contract", "eoa", "empty"]
    is_contract: bool
    standards: list[Standard] = Field(default_factory=list)
    token: TokenInfo | None = None
    proxy: ProxyInfo | None = None
    owner: str | None = None
    listed: ListedToken | None = None
    protocol: ProtocolInfo | None = None
    knowledge: list[KnowledgeRef] = Field(default_factory=list)
    block_number: int
    warnings: list[str] = Field(default_factory=list)

    def summary(self, with_block: bool = True) -> str:
        """Plain sentences of the facts, for prompts, extractive answers and contract cards."""
        where = f"on {self.chain}" + (f" at block {self.block_number}" if with_block else "")
        if self.account_type == "empty":
            return f"{self.address} has no code and no transactions {where}: nothing is deployed."
        if self.account_type == "eoa":
            return f"{self.address} is an externally owned account (a wallet, no code) {where}."
        lines = [f"{self.address} is a contract {where}."]
        if self.standards:
            lines.append(
                "Standards detected: " + ", ".join(s.upper() for s in self.standards) + "."
            )
        if self.token:
            t = self.token
            parts = [
                f'name "{t.name}"' if t.name else "no name",
                f'symbol "{t.symbol}"' if t.symbol else "no symbol",
            ]
            if t.decimals is not None:
                parts.append(f"{t.decimals} decimals")
            if t.total_supply is not None:
                parts.append(f"total supply {t.total_supply} base units")
            lines.append("Token: " + ", ".join(parts) + " (as reported by the contract).")
        if self.proxy:
            p = self.proxy
            text = f"It is a {p.standard.upper()} proxy"
            if p.upgrade:
                text += f" ({p.upgrade})"
            if p.implementation:
                text += f" whose implementation is {p.implementation}"
            if p.beacon:
                text += f", through beacon {p.beacon}"
            if p.admin:
                text += f"; proxy admin {p.admin}"
            lines.append(text + ".")
        if self.owner:
            lines.append(f"owner() returns {self.owner}.")
        if self.listed:
            lines.append(
                f"The {self.listed.list} token list names this address "
                f"{self.listed.name} ({self.listed.symbol})."
            )
        if self.protocol:
            lines.append(f"The knowledge base ties it to the protocol {self.protocol.name}.")
        lines.extend(f"Warning: {w}" for w in self.warnings)
        return "\n".join(lines)
