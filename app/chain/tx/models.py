"""A decoded transaction in the shape GET /v1/transactions returns; each fact names its evidence.

Evidence is a reference into what the node returned: "receipt.status", "transaction.input",
"block.timestamp", "log 3" (the receipt's log with logIndex 3) or "frame 0.1" (the call
tracer's second call inside the top call; "frame 0" is the transaction's own call).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import AliasChoices, BaseModel, ConfigDict, Field

from app.chain.facts import Check

TokenStandard = Literal["erc20", "erc721", "erc1155"]


class _Model(BaseModel):
    # "from" is a Python keyword: the field is from_, the JSON key "from" (read and written).
    model_config = ConfigDict(serialize_by_alias=True)


class Argument(BaseModel):
    """One decoded argument: its ABI type and value (integers as decimal strings)."""

    type: str
    value: Any


class Revert(BaseModel):
    """Why a call failed, decoded from its revert data."""

    kind: Literal["error_string", "panic", "custom_error", "unknown_error", "no_data"]
    reason: str = Field(description="the string, the panic's meaning, or the error's signature")
    selector: str | None = None
    args: list[Argument] = []
    data: str = Field(default="0x", description="the revert data, cut to 1 KiB")
    frame: str | None = Field(default=None, description="the call frame that reverted first")


class Call(_Model):
    """One call frame: who called whom, with what value, which function, and how it ended."""

    frame: str
    type: str = "CALL"
    from_: str = Field(validation_alias=AliasChoices("from", "from_"), serialization_alias="from")
    to: str | None = None
    value: str = Field(default="0", description="wei, decimal string")
    selector: str | None = None
    function: str | None = Field(
        default=None, description="the signature from the shipped table, when it names one"
    )
    args: list[Argument] = []
    error: str | None = None
    revert: Revert | None = None


class TokenMovement(_Model):
    """A Transfer, TransferSingle or TransferBatch log, in the token's own units."""

    log_index: int
    standard: TokenStandard
    token: str
    symbol: str | None = None
    decimals: int | None = None
    from_: str = Field(validation_alias=AliasChoices("from", "from_"), serialization_alias="from")
    to: str
    amount: str = Field(description="base units, decimal string (1 for an ERC-721 token)")
    amount_display: str = Field(description="human units when decimals are known")
    token_id: str | None = None


class Approval(_Model):
    """An Approval or ApprovalForAll log, and whether it looks like a drainer's."""

    log_index: int
    standard: TokenStandard
    token: str
    symbol: str | None = None
    owner: str
    spender: str
    amount: str | None = Field(default=None, description="base units; None for ApprovalForAll")
    amount_display: str | None = None
    token_id: str | None = Field(default=None, description="the one NFT an ERC-721 Approval is for")
    approved: bool = Field(default=True, description="False when ApprovalForAll revokes")
    unlimited: bool
    spender_kind: Literal["eoa", "contract", "empty", "unknown"] = "unknown"
    spender_known: str | None = Field(
        default=None, description="what the service knows the spender as, when it does"
    )
    risky: bool = Field(
        default=False,
        description="granted to an EOA, or unlimited to a contract the service does not know",
    )


class EthMovement(_Model):
    """Native currency moved by a call frame (the transaction's own value is frame 0)."""

    frame: str
    from_: str = Field(validation_alias=AliasChoices("from", "from_"), serialization_alias="from")
    to: str
    value: str = Field(description="wei, decimal string")
    value_display: str


class OtherEvent(BaseModel):
    """A log that is neither a token movement nor an approval."""

    log_index: int
    address: str
    topic0: str | None = None
    event: str | None = Field(default=None, description="its signature, when the table names it")
    args: list[Argument] = Field(default=[], description="its arguments, in declaration order")


class Sentence(BaseModel):
    """One sentence of the explanation and the evidence it rests on."""

    text: str
    evidence: list[str]


class TransactionFacts(_Model):
    """What one transaction did, as read from the node and decoded."""

    chain: str
    chain_id: int | None = None
    hash: str
    status: Literal["success", "failed", "pending"]
    block_number: int | None = None
    timestamp: int | None = None
    time: str | None = Field(default=None, description="UTC, ISO 8601")
    from_: str = Field(validation_alias=AliasChoices("from", "from_"), serialization_alias="from")
    to: str | None = None
    contract_created: str | None = None
    nonce: int | None = None
    value: str = Field(default="0", description="wei, decimal string")
    native_symbol: str = "ETH"
    gas_limit: int | None = None
    gas_used: int | None = None
    effective_gas_price: str | None = None
    fee: str | None = Field(default=None, description="wei paid, decimal string")
    call: Call
    calls: list[Call] = Field(default=[], description="inner call frames, when traced")
    token_movements: list[TokenMovement] = []
    approvals: list[Approval] = []
    eth_movements: list[EthMovement] = []
    events: list[OtherEvent] = []
    revert: Revert | None = None
    trace: Literal["call_tracer", "unavailable"] = "unavailable"
    trace_error: str | None = None
    token_symbols: dict[str, str] = Field(
        default={}, description="symbols the contracts touched report (cleaned, untrusted)"
    )
    checks: list[Check] = []
    warnings: list[str] = []
    lead: str = ""
    explanation: list[Sentence] = []
    round_trips: int = Field(default=0, description="JSON-RPC round trips this reading took")
