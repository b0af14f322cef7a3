"""What an inspection found, in the shape GET /v1/contracts returns, and as text for prompts."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field, computed_field

from app.chain.checks.messages import CHECK_NAMES

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


CheckStatus = Literal["found", "not_found", "unknown"]


class Evidence(BaseModel):
    """One read anyone can repeat: the JSON-RPC method, its params, the block and what came back."""

    method: str
    params: list[Any] = Field(default_factory=list)
    block: int | None = None
    result: Any = None
    error: str | None = None


# Checks whose "found" is reassuring rather than a risk.
REASSURING = frozenset({"ownership_renounced", "owner_is_multisig"})


class Check(BaseModel):
    """One risk check: found, not_found or unknown, in words, with the read it rests on."""

    id: str
    status: CheckStatus
    summary: str
    evidence: Evidence | None = None
    details: dict[str, Any] = Field(default_factory=dict)
    more_evidence: list[Evidence] = Field(default_factory=list)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def name(self) -> str:
        """What the check looks for, in a few plain words."""
        return CHECK_NAMES.get(self.id, self.id)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def risk(self) -> bool:
        """True when what was found is a risk (renounced ownership, say, is not)."""
        return self.status == "found" and self.id not in REASSURING


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
    checks: list[Check] = Field(default_factory=list)

    def check(self, check_id: str) -> Check | None:
        """The check with this id, if it ran."""
        return next((c for c in self.checks if c.id == check_id), None)

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
