"""GET /v1/chains: the known chains and what a client needs before its first request."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, Field

from app.api.deps import SettingsDep
from app.evm.addresses import ADDRESS_RE
from app.evm.chains import CHAINS, names_pattern, words_pattern

router = APIRouter(tags=["chains"])


class ChainOut(BaseModel):
    """One chain of the registry."""

    name: str
    label: str
    chain_id: int | None
    explorer: str | None = Field(description="block explorer base URL; {explorer}/address/{a}")
    aliases: list[str] = Field(description="how people write it, matched in any case")
    ambiguous: list[str] = Field(
        description="ordinary words that name it only when capitalised or after 'on'"
    )
    names_pattern: str | None = Field(
        description="regular expression of its aliases, to match in any case (Python and "
        "ECMAScript): the service's own rule for reading the chain in text"
    )
    words_pattern: str | None = Field(
        description="regular expression of its ambiguous names, to match case-sensitively"
    )
    rpc: bool = Field(description="whether this service can look addresses up on it")


class ChainsResponse(BaseModel):
    """The chain registry and the client-facing settings (no secret, no RPC URL)."""

    chains: list[ChainOut]
    default_chain: str = Field(description="the chain of an address that names none")
    address_pattern: str = Field(
        description="the regular expression an EVM address in text matches (valid in Python "
        "and ECMAScript), so that a client finds the addresses the service finds"
    )
    require_api_key: bool = Field(description="whether /v1/chat needs Authorization: Bearer")


@router.get("/v1/chains", response_model=ChainsResponse)
async def chains(settings: SettingsDep) -> ChainsResponse:
    """Open to every caller: a client reads here whether it must ask for a key."""
    configured = settings.chains.rpc_urls
    return ChainsResponse(
        chains=[
            ChainOut(
                name=c.name,
                label=c.label,
                chain_id=c.chain_id,
                explorer=c.explorer,
                aliases=list(c.aliases),
                ambiguous=list(c.ambiguous),
                names_pattern=names_pattern(c),
                words_pattern=words_pattern(c),
                rpc=c.name in configured,
            )
            for c in CHAINS
        ],
        # The settings turned an alias ("mainnet") into the name clients key chains by.
        default_chain=settings.chains.default_chain,
        address_pattern=ADDRESS_RE.pattern,
        require_api_key=settings.access.require_api_key,
    )
