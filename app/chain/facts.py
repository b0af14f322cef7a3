"""What an inspection found, in the shape GET /v1/contracts returns, and as text for prompts."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field, PrivateAttr, computed_field

from app.chain.checks.messages import CHECK_NAMES, told
from app.i18n.catalog import _

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
    # The summary as the checks said it (keys and values), to say again in the reader's language.
    _said: str = PrivateAttr(default="")

    def __init__(self, **data: Any) -> None:
        super().__init__(**data)
        self._said = data.get("summary", "")

    def retold(self, summary: str, **update: Any) -> Check:
        """A copy with a new summary (and other fields), which keeps the new summary's words."""
        check = self.model_copy(update={"summary": summary, **update})
        check._said = summary
        return check

    def said(self) -> str:
        """The summary with its words kept (a `Said`) where the checks wrote it with `say`."""
        return self._said if self._said == self.summary else self.summary

    def told(self) -> str:
        """The summary in the current language (in English, the summary itself)."""
        return str(told(self.said()))

    @computed_field  # type: ignore[prop-decorator]
    @property
    def name(self) -> str:
        """What the check looks for, in a few plain words."""
        return _(CHECK_NAMES[self.id]) if self.id in CHECK_NAMES else self.id

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
        where = (_("on {chain} at block {block}") if with_block else _("on {chain}")).format(
            chain=self.chain, block=self.block_number
        )
        if self.account_type == "empty":
            return _(
                "{address} has no code and no transactions {where}: nothing is deployed."
            ).format(address=self.address, where=where)
        if self.account_type == "eoa":
            return _(
                "{address} is an externally owned account (a wallet, no code) {where}."
            ).format(address=self.address, where=where)
        lines = [_("{address} is a contract {where}.").format(address=self.address, where=where)]
        if self.standards:
            lines.append(
                _("Standards detected: {standards}.").format(
                    standards=", ".join(s.upper() for s in self.standards)
                )
            )
        if self.token:
            t = self.token
            parts = [
                _('name "{name}"').format(name=t.name) if t.name else _("no name"),
                _('symbol "{symbol}"').format(symbol=t.symbol) if t.symbol else _("no symbol"),
            ]
            if t.decimals is not None:
                parts.append(_("{decimals} decimals").format(decimals=t.decimals))
            if t.total_supply is not None:
                parts.append(_("total supply {supply} base units").format(supply=t.total_supply))
            lines.append(
                _("Token: {parts} (as reported by the contract).").format(parts=", ".join(parts))
            )
        if self.proxy:
            p = self.proxy
            text = _("It is a {standard} proxy").format(standard=p.standard.upper())
            if p.upgrade:
                text += f" ({p.upgrade})"
            if p.implementation:
                text += _(" whose implementation is {address}").format(address=p.implementation)
            if p.beacon:
                text += _(", through beacon {address}").format(address=p.beacon)
            if p.admin:
                text += _("; proxy admin {address}").format(address=p.admin)
            lines.append(text + _("."))
        if self.owner:
            lines.append(_("owner() returns {address}.").format(address=self.owner))
        if self.listed:
            lines.append(
                _("The {list} token list names this address {name} ({symbol}).").format(
                    list=self.listed.list, name=self.listed.name, symbol=self.listed.symbol
                )
            )
        if self.protocol:
            lines.append(
                _("The knowledge base ties it to the protocol {name}.").format(
                    name=self.protocol.name
                )
            )
        lines.extend(_("Warning: {warning}").format(warning=w) for w in self.warnings)
        return "\n".join(lines)
