"""GET /v1/transactions/{chain}/{hash}: what a transaction did, each fact with its evidence."""

from __future__ import annotations

import anyio
from fastapi import APIRouter, Depends

from app.api.deps import TransactionsDep, require
from app.api.schemas import rpc_responses
from app.chain.tx.models import TransactionFacts

router = APIRouter(tags=["transactions"], dependencies=[Depends(require("contracts"))])

_ERRORS = rpc_responses(
    "unknown chain, or no configured chain has the transaction",
    "malformed transaction hash (invalid_tx_hash)",
)


@router.get(
    "/v1/transactions/{chain}/{tx_hash}", response_model=TransactionFacts, responses=_ERRORS
)
async def transaction(chain: str, tx_hash: str, transactions: TransactionsDep) -> TransactionFacts:
    """The transaction decoded from the node alone: the call and its arguments, inner calls,
    token movements, approvals (flagged when unlimited or to a key), ETH moved, the revert
    reason and the frame that failed, gas and fee; then the explanation, sentence by sentence,
    each naming the receipt field, log or call frame it rests on."""
    return await anyio.to_thread.run_sync(transactions.explain, tx_hash, chain)


@router.get("/v1/transactions/{tx_hash}", response_model=TransactionFacts, responses=_ERRORS)
async def transaction_anywhere(tx_hash: str, transactions: TransactionsDep) -> TransactionFacts:
    """The same, on the first configured chain that has the transaction."""
    return await anyio.to_thread.run_sync(transactions.explain, tx_hash)
