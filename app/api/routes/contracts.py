"""GET /v1/contracts/{chain}/{address}: what the chain and the knowledge base know of an address."""

from __future__ import annotations

import anyio
from fastapi import APIRouter, Depends

from app.api.deps import ContractsDep, require
from app.api.schemas import ErrorResponse
from app.chain.facts import ContractFacts

router = APIRouter(tags=["contracts"], dependencies=[Depends(require("contracts"))])


@router.get(
    "/v1/contracts/{chain}/{address}",
    response_model=ContractFacts,
    responses={
        status: {"model": ErrorResponse, "description": text}
        for status, text in {
            404: "unknown chain",
            422: "malformed address or wrong EIP-55 checksum",
            502: "the RPC node refused the connection or answered badly",
            503: "no RPC URL configured for the chain",
            504: "the RPC node did not answer in time",
        }.items()
    },
)
async def contract(chain: str, address: str, contracts: ContractsDep) -> ContractFacts:
    """Live state of an address (code, standards, token, proxy, owner) at the latest block, and
    the token-risk checks: each found, not_found or unknown, with the read it rests on."""
    return await anyio.to_thread.run_sync(contracts.lookup, chain, address)
