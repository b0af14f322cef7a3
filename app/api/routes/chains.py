"""GET /v1/chains: the known chains and what a client needs before its first request."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, Field

from app.api.deps import ServicesDep
from app.kb.chains import CHAINS, resolve

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
    rpc: bool = Field(description="whether this service can look addresses up on it")


class ChainsResponse(BaseModel):
    """The chain registry and the client-facing settings (no secret, no RPC URL)."""

    chains: list[ChainOut]
    default_chain: str = Field(description="the chain of an address that names none")
    require_api_key: bool = Field(description="whether /v1/chat needs Authorization: Bearer")


@router.get("/v1/chains", response_model=ChainsResponse)
async def chains(services: ServicesDep) -> ChainsResponse:
    """Open to every caller: a client reads here whether it must ask for a key."""
    settings = services.settings
    configured = settings.chains.rpc_urls
    # An operator may write the default as an alias ("mainnet"); clients key chains by name.
    default = resolve(settings.chains.default_chain)
    return ChainsResponse(
        chains=[
            ChainOut(
                name=c.name,
                label=c.label,
                chain_id=c.chain_id,
                explorer=c.explorer,
                aliases=list(c.aliases),
                ambiguous=list(c.ambiguous),
                rpc=c.name in configured,
            )
            for c in CHAINS
        ],
        default_chain=default.name if default else settings.chains.default_chain,
        require_api_key=settings.access.require_api_key,
    )
