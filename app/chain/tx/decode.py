"""Calldata, revert data, call frames and logs decoded with eth-abi and the shipped table."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from eth_abi import decode as abi_decode
from eth_abi.exceptions import DecodingError
from eth_abi.grammar import parse
from eth_utils import to_checksum_address

from app.chain.signatures import SignatureTable
from app.chain.tx.models import Argument, Call, EthMovement, OtherEvent, Revert

ERROR_STRING = "0x08c379a0"  # Error(string)
PANIC = "0x4e487b71"  # Panic(uint256)
MAX_DATA_CHARS = 2 + 2048  # revert data kept in the result: 1 KiB
MAX_ARG_CHARS = 512  # a bytes or string argument shown, cut beyond this
# Solidity's panic codes (docs: "Panic via assert and Error via require").
PANICS = {
    0x00: "generic compiler panic",
    0x01: "assertion failed",
    0x11: "arithmetic overflow or underflow",
    0x12: "division or modulo by zero",
    0x21: "conversion to an invalid enum value",
    0x22: "incorrectly encoded storage byte array",
    0x31: "pop() on an empty array",
    0x32: "array index out of bounds",
    0x41: "too much memory allocated",
    0x51: "call to a zero-initialised internal function",
}
# Topic0 of the token events read as movements and approvals.
TRANSFER = "0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef"
APPROVAL = "0x8c5be1e5ebec7d5bd14f71427d1e84f3dd0314c0f7b2291e5b200ac8c7c3b925"
APPROVAL_FOR_ALL = "0x17307eab39ab6107e8899845ad3d59bd9653f200f220920489ca2b5937696c31"
TRANSFER_SINGLE = "0xc3d58168c5ae7397731d063d5bbf3d657854427343f4c083240f7aacaa2d0f62"
TRANSFER_BATCH = "0x4a39dc06d4c0dbc64b70af90fd698a233a518aa5d07e595d983b8c0526c8f7fb"
TOKEN_EVENTS = {TRANSFER, APPROVAL, APPROVAL_FOR_ALL, TRANSFER_SINGLE, TRANSFER_BATCH}


def hex_bytes(value: object) -> bytes:
    """0x-prefixed hex as bytes; anything else as empty."""
    if not isinstance(value, str):
        return b""
    try:
        return bytes.fromhex(value.removeprefix("0x"))
    except ValueError:
        return b""


def quantity(value: object) -> int | None:
    """A JSON-RPC quantity ("0x1a") as an int."""
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        try:
            return int(value, 16)
        except ValueError:
            return None
    return None


def checksum(value: object) -> str | None:
    """An address in EIP-55 form; None for anything that is not one."""
    if not isinstance(value, str) or len(value) != 42:
        return None
    try:
        return to_checksum_address(value)
    except ValueError:
        return None


def topic_address(topic: str) -> str:
    """The address in the low 20 bytes of an indexed topic."""
    return to_checksum_address("0x" + topic.removeprefix("0x")[-40:])


def units(amount: int, decimals: int | None) -> str:
    """An amount in human units ("1.5"); base units when decimals are unknown."""
    if decimals is None:
        return str(amount)
    text = format(Decimal(amount).scaleb(-decimals), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def argument_types(signature: str) -> list[str]:
    """The ABI types of a signature's arguments, tuples kept whole."""
    body = signature[signature.index("(") :]
    return [c.to_type_str() for c in parse(body).components]


def jsonable(value: Any) -> Any:
    """A decoded value for JSON: integers as decimal strings, bytes as hex, addresses EIP-55."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return str(value)
    if isinstance(value, bytes):
        text = "0x" + value.hex()
        return text if len(text) <= MAX_ARG_CHARS else text[:MAX_ARG_CHARS] + "…"
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, str):
        return checksum(value) or (value if len(value) <= MAX_ARG_CHARS else value[:MAX_ARG_CHARS])
    return str(value)


def decode_args(signature: str, data: bytes) -> list[Argument] | None:
    """The arguments of a signature from ABI-encoded data; None when they do not decode."""
    try:
        types = argument_types(signature)
        values = abi_decode(types, data)
    except (DecodingError, ValueError, TypeError, OverflowError):
        return None
    return [Argument(type=t, value=jsonable(v)) for t, v in zip(types, values, strict=True)]


def decode_revert(output: object, table: SignatureTable, frame: str | None = None) -> Revert:
    """Error(string), Panic(uint256), a custom error the table names, or the raw selector."""
    data = hex_bytes(output)
    shown = ("0x" + data.hex())[:MAX_DATA_CHARS]
    if len(data) < 4:
        return Revert(kind="no_data", reason="", data=shown, frame=frame)
    selector, body = "0x" + data[:4].hex(), data[4:]
    if selector == ERROR_STRING:
        args = decode_args("Error(string)", body)
        if args is not None:
            return Revert(
                kind="error_string", reason=str(args[0].value), selector=selector, data=shown,
                frame=frame,
            )  # fmt: skip
    if selector == PANIC:
        args = decode_args("Panic(uint256)", body)
        if args is not None:
            code = int(args[0].value)
            meaning = PANICS.get(code, "unknown panic code")
            return Revert(
                kind="panic", reason=f"Panic(0x{code:02x}): {meaning}", selector=selector,
                args=args, data=shown, frame=frame,
            )  # fmt: skip
    known = table.error(selector)
    if known:
        args = decode_args(known, body) or []
        return Revert(
            kind="custom_error", reason=known, selector=selector, args=args, data=shown,
            frame=frame,
        )  # fmt: skip
    return Revert(kind="unknown_error", reason=selector, selector=selector, data=shown, frame=frame)


def decode_call(frame: str, raw: dict[str, Any], table: SignatureTable) -> Call:
    """One call frame (a transaction or a call tracer's frame) with its function and arguments."""
    data = hex_bytes(raw.get("input"))
    call = Call(
        frame=frame,
        type=str(raw.get("type") or "CALL"),
        from_=checksum(raw.get("from")) or str(raw.get("from")),
        to=checksum(raw.get("to")),
        value=str(quantity(raw.get("value")) or 0),
    )
    # A CREATE's input is init code, not a call: its first bytes name no function.
    if len(data) >= 4 and not call.type.upper().startswith("CREATE"):
        call.selector = "0x" + data[:4].hex()
        known = table.get(call.selector)
        if known:
            call.function = known.signature
            call.args = decode_args(known.signature, data[4:]) or []
    if raw.get("error"):
        call.error = str(raw["error"])[:200]
    return call


def frames(trace: dict[str, Any], frame: str = "0") -> Iterator[tuple[str, dict[str, Any]]]:
    """A call tracer's frames depth first, each with its id: "0", then "0.0", "0.1", ..."""
    stack = [(frame, trace)]
    while stack:
        fid, node = stack.pop()
        yield fid, node
        children = node.get("calls") or []
        stack.extend((f"{fid}.{i}", c) for i, c in reversed(list(enumerate(children))))


def failing_frame(trace: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """The frame a failure started in: follow the failed child whose revert data the parent
    passed up unchanged; a parent that failed on its own (or caught the child's) is the origin."""
    fid, node = "0", trace
    while True:
        children = list(enumerate(node.get("calls") or []))
        bubbled = [
            (i, c)
            for i, c in children
            if c.get("error") and (c.get("output") or "0x") == (node.get("output") or "0x")
        ]
        if not bubbled:
            return fid, node
        i, node = bubbled[-1]
        fid = f"{fid}.{i}"


def eth_movements(trace: dict[str, Any], native: str) -> list[EthMovement]:
    """Native currency moved by frames that did not fail (a DELEGATECALL moves none)."""
    out: list[EthMovement] = []
    failed: set[str] = set()
    for fid, node in frames(trace):
        parent = fid.rsplit(".", 1)[0] if "." in fid else None
        if node.get("error") or (parent and parent in failed):
            failed.add(fid)
            continue
        value = quantity(node.get("value")) or 0
        kind = str(node.get("type") or "CALL").upper()
        if value and kind not in ("DELEGATECALL", "STATICCALL") and node.get("to"):
            out.append(
                EthMovement(
                    frame=fid,
                    from_=checksum(node.get("from")) or str(node.get("from")),
                    to=checksum(node.get("to")) or str(node.get("to")),
                    value=str(value),
                    value_display=f"{units(value, 18)} {native}",
                )
            )
    return out


def other_event(log: dict[str, Any], table: SignatureTable) -> OtherEvent:
    """A log the explainer does not read as a movement: its event name, when known."""
    topics = log.get("topics") or []
    topic0 = str(topics[0]).lower() if topics else None
    known = table.event(topic0) if topic0 else None
    args: list[Argument] = []
    if known:
        # The declaration whose indexed arguments match the topics the log carries.
        mask = next((m for m in known.indexed if m.count("1") == len(topics) - 1), None)
        if mask is not None:
            args = event_args(known.signature, mask, topics[1:], hex_bytes(log.get("data")))
    return OtherEvent(
        log_index=quantity(log.get("logIndex")) or 0,
        address=checksum(log.get("address")) or str(log.get("address")),
        topic0=topic0,
        event=known.signature if known else None,
        args=args,
    )


def event_args(signature: str, mask: str, topics: list[Any], data: bytes) -> list[Argument]:
    """An event's arguments: indexed ones from the topics, the rest from the data; [] when they
    do not decode (an indexed string or array is only its hash, shown as such)."""
    try:
        types = argument_types(signature)
        if len(types) != len(mask):
            return []
        plain = [t for t, m in zip(types, mask, strict=True) if m == "0"]
        values = iter(abi_decode(plain, data))
        out: list[Argument] = []
        topic = iter(topics)
        for t, m in zip(types, mask, strict=True):
            if m == "1":
                word = hex_bytes(next(topic))
                dynamic = t in ("string", "bytes") or t.endswith("]") or t.startswith("(")
                value = word if dynamic else abi_decode([t], word)[0]
                out.append(
                    Argument(type=t if not dynamic else f"{t} (hash)", value=jsonable(value))
                )
            else:
                out.append(Argument(type=t, value=jsonable(next(values))))
        return out
    except (DecodingError, ValueError, TypeError, OverflowError, StopIteration):
        return []
