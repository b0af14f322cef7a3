"""Token movements and approvals from ERC-20, ERC-721 and ERC-1155 logs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from eth_abi import decode as abi_decode
from eth_abi.exceptions import DecodingError

from app.chain.tx.decode import (
    APPROVAL,
    APPROVAL_FOR_ALL,
    TOKEN_EVENTS,
    TRANSFER,
    TRANSFER_BATCH,
    TRANSFER_SINGLE,
    checksum,
    hex_bytes,
    quantity,
    topic_address,
    units,
)
from app.chain.tx.models import Approval, TokenMovement

# Allowances people and wallets set as "unlimited": all ones at common widths, or above 2^255.
UNLIMITED = {2**bits - 1 for bits in (96, 112, 128, 160, 256)}
MAX_BATCH_ITEMS = 64  # ids of one TransferBatch listed; a larger batch is cut


@dataclass(frozen=True)
class TokenMeta:
    """What the token contract says of itself (symbol cleaned, never trusted)."""

    symbol: str | None = None
    decimals: int | None = None


def unlimited(amount: int) -> bool:
    """Whether an allowance is one of the 'unlimited' values."""
    return amount in UNLIMITED or amount >= 2**255


def token_addresses(logs: list[dict[str, Any]]) -> list[str]:
    """The contracts that emitted token events, once each, in order."""
    out: dict[str, None] = {}
    for log in logs:
        topics = log.get("topics") or []
        address = checksum(log.get("address"))
        if topics and str(topics[0]).lower() in TOKEN_EVENTS and address:
            out[address] = None
    return list(out)


def is_token_log(log: dict[str, Any]) -> bool:
    """Whether a log is one this module reads (a known token event of a known shape)."""
    topics = log.get("topics") or []
    if not topics:
        return False
    t0, n = str(topics[0]).lower(), len(topics)
    return (
        (t0 in (TRANSFER, APPROVAL) and n in (3, 4))
        or (t0 == APPROVAL_FOR_ALL and n == 3)
        or (t0 in (TRANSFER_SINGLE, TRANSFER_BATCH) and n == 4)
    )


def read_token_logs(
    logs: list[dict[str, Any]], meta: dict[str, TokenMeta]
) -> tuple[list[TokenMovement], list[Approval]]:
    """Movements and approvals, amounts in the token's units; malformed logs are skipped."""
    movements: list[TokenMovement] = []
    approvals: list[Approval] = []
    for log in logs:
        if not is_token_log(log):
            continue
        try:
            _read(log, meta, movements, approvals)
        except (DecodingError, ValueError, IndexError):
            continue  # a contract may emit anything under a known topic
    return movements, approvals


def _read(
    log: dict[str, Any],
    meta: dict[str, TokenMeta],
    movements: list[TokenMovement],
    approvals: list[Approval],
) -> None:
    topics = [str(t) for t in log["topics"]]
    t0, data = topics[0].lower(), hex_bytes(log.get("data"))
    token = checksum(log.get("address")) or str(log.get("address"))
    info = meta.get(token, TokenMeta())
    index = quantity(log.get("logIndex")) or 0
    if t0 == TRANSFER and len(topics) == 3:
        (amount,) = abi_decode(["uint256"], data)
        movements.append(
            TokenMovement(
                log_index=index,
                token=token,
                symbol=info.symbol,
                standard="erc20",
                decimals=info.decimals,
                from_=topic_address(topics[1]),
                to=topic_address(topics[2]),
                amount=str(amount),
                amount_display=units(amount, info.decimals),
            )
        )
    elif t0 == TRANSFER:
        token_id = str(int(topics[3], 16))
        movements.append(
            TokenMovement(
                log_index=index,
                token=token,
                symbol=info.symbol,
                standard="erc721",
                from_=topic_address(topics[1]),
                to=topic_address(topics[2]),
                amount="1",
                amount_display="1",
                token_id=token_id,
            )
        )
    elif t0 in (TRANSFER_SINGLE, TRANSFER_BATCH):
        if t0 == TRANSFER_SINGLE:
            ids, values = abi_decode(["uint256", "uint256"], data)
            pairs = [(ids, values)]
        else:
            ids, values = abi_decode(["uint256[]", "uint256[]"], data)
            pairs = list(zip(ids, values, strict=False))[:MAX_BATCH_ITEMS]
        for token_id, amount in pairs:
            movements.append(
                TokenMovement(
                    log_index=index,
                    token=token,
                    symbol=info.symbol,
                    standard="erc1155",
                    from_=topic_address(topics[2]),
                    to=topic_address(topics[3]),
                    amount=str(amount),
                    amount_display=str(amount),
                    token_id=str(token_id),
                )
            )
    elif t0 == APPROVAL and len(topics) == 3:
        (amount,) = abi_decode(["uint256"], data)
        approvals.append(
            Approval(
                log_index=index,
                token=token,
                symbol=info.symbol,
                standard="erc20",
                owner=topic_address(topics[1]),
                spender=topic_address(topics[2]),
                amount=str(amount),
                amount_display=units(amount, info.decimals),
                unlimited=unlimited(amount),
                approved=amount > 0,
            )
        )
    elif t0 == APPROVAL:
        approvals.append(
            Approval(
                log_index=index,
                token=token,
                symbol=info.symbol,
                standard="erc721",
                owner=topic_address(topics[1]),
                spender=topic_address(topics[2]),
                token_id=str(int(topics[3], 16)),
                unlimited=False,
                approved=int(topics[2], 16) != 0,
            )
        )
    else:  # ApprovalForAll: every token of the collection, now and later
        (approved,) = abi_decode(["bool"], data)
        approvals.append(
            Approval(
                log_index=index,
                token=token,
                symbol=info.symbol,
                standard="erc721",
                owner=topic_address(topics[1]),
                spender=topic_address(topics[2]),
                unlimited=bool(approved),
                approved=bool(approved),
            )
        )
