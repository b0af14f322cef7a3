"""A transaction from the node in two batched round trips: what happened, then its context.

First: the transaction, its receipt, the chain id and the call tree (debug_traceTransaction with
the call tracer; a node without it answers that call with an error and the rest still comes).
Second: the block's timestamp, the code of the accounts that need judging (spenders, the callee)
and each token's symbol and decimals.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from app.chain import abi
from app.chain.rpc import ChainRpc, RpcResult
from app.chain.tx.decode import quantity
from app.chain.tx.tokens import TokenMeta
from app.chain.untrusted import clean
from app.core.errors import UpstreamError

SYMBOL_LIMIT = 16
CALL_TRACER = {"tracer": "callTracer", "tracerConfig": {"withLog": False}}
_SYMBOL = abi.selector("symbol()")
_DECIMALS = abi.selector("decimals()")


@dataclass
class RawTransaction:
    """What the node returned for a hash."""

    tx: dict[str, Any]
    receipt: dict[str, Any] | None
    chain_id: int | None
    trace: dict[str, Any] | None
    trace_error: str | None


@dataclass
class Context:
    """The second read: block time, account code, token metadata and what went wrong reading."""

    timestamp: int | None = None
    code: dict[str, str | None] = field(default_factory=dict)
    tokens: dict[str, TokenMeta] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


def read_transaction(rpc: ChainRpc, tx_hash: str) -> RawTransaction | None:
    """Transaction, receipt, chain id and call tree in one batch; None for a hash the node lacks."""
    tx_r, receipt_r, chain_r, trace_r = rpc.batch(
        [
            ("eth_getTransactionByHash", [tx_hash]),
            ("eth_getTransactionReceipt", [tx_hash]),
            ("eth_chainId", []),
            ("debug_traceTransaction", [tx_hash, CALL_TRACER]),
        ]
    )
    if not tx_r.ok:
        raise UpstreamError(
            f"{rpc.name} RPC eth_getTransactionByHash failed: {tx_r.error}", code="rpc_error"
        )
    if not isinstance(tx_r.result, dict):
        return None
    receipt = receipt_r.result if receipt_r.ok and isinstance(receipt_r.result, dict) else None
    trace, trace_error = _trace(trace_r, receipt)
    return RawTransaction(
        tx=tx_r.result,
        receipt=receipt,
        chain_id=quantity(chain_r.result) if chain_r.ok else None,
        trace=trace,
        trace_error=trace_error,
    )


def _trace(
    result: RpcResult, receipt: dict[str, Any] | None
) -> tuple[dict[str, Any] | None, str | None]:
    """The call tracer's top frame, or why there is none."""
    if receipt is None:
        return None, "the transaction is not mined yet"
    if not result.ok:
        return None, f"the node does not offer debug_traceTransaction ({result.error})"
    value = result.result
    # A node that ignores the tracer option answers with struct logs instead of call frames.
    if not isinstance(value, dict) or "from" not in value:
        return None, "the node's debug_traceTransaction gave no call tracer frames"
    return value, None


def read_context(
    rpc: ChainRpc, block: int | None, accounts: list[str], tokens: list[str]
) -> Context:
    """Block timestamp, code of `accounts` and symbol/decimals of `tokens`, in one batch."""
    calls: list[tuple[str, list[Any]]] = []
    if block is not None:
        calls.append(("eth_getBlockByNumber", [hex(block), False]))
    calls += [("eth_getCode", [a, "latest"]) for a in accounts]
    for token in tokens:
        calls += [
            ("eth_call", [{"to": token, "data": _SYMBOL}, "latest"]),
            ("eth_call", [{"to": token, "data": _DECIMALS}, "latest"]),
        ]
    out = Context()
    if not calls:
        return out
    results = iter(rpc.batch(calls))
    if block is not None:
        block_r = next(results)
        if block_r.ok and isinstance(block_r.result, dict):
            out.timestamp = quantity(block_r.result.get("timestamp"))
    for account in accounts:
        code_r = next(results)
        out.code[account] = code_r.result if code_r.ok and isinstance(code_r.result, str) else None
    for token in tokens:
        symbol_r, decimals_r = next(results), next(results)
        out.tokens[token] = TokenMeta(
            symbol=_symbol(symbol_r, token, out.warnings),
            decimals=_decimals(decimals_r),
        )
    return out


def _symbol(result: RpcResult, token: str, warnings: list[str]) -> str | None:
    decoded = abi.decode_text(result.result) if result.ok else None
    if decoded is None:
        return None
    cleaned = clean(
        decoded[0], limit=SYMBOL_LIMIT, label=f"the symbol of {token}", full_length=decoded[1]
    )
    warnings.extend(cleaned.warnings)
    return cleaned.text or None


def _decimals(result: RpcResult) -> int | None:
    value = abi.decode_uint(result.result) if result.ok else None
    return value if value is not None and value <= 255 else None
