"""GET /v1/contracts/{chain}/{address}: what the chain and the knowledge base know of an address."""

from __future__ import annotations

import anyio
from fastapi import APIRouter, Depends

from app.api.deps import ContractsDep, require
from app.api.schemas import rpc_responses
from app.chain.facts import ContractFacts

router = APIRouter(tags=["contracts"], dependencies=[Depends(require("contracts"))])


@router.get(
    "/v1/contracts/{chain}/{address}",
    response_model=ContractFacts,
    responses=rpc_responses("unknown chain", "malformed address or wrong EIP-55 checksum"),
)
async def contract(chain: str, address: str, contracts: ContractsDep) -> ContractFacts:
    """Live state of an address (code, standards, token, proxy, owner) at the latest block, and
    the token-risk checks: each found, not_found or unknown, with the read it rests on."""
    return await anyio.to_thread.run_sync(contracts.lookup, chain, address)
