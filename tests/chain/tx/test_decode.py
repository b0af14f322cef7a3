"""Decoding from recorded node answers: revert data, call frames, token logs, amounts."""

from __future__ import annotations

from eth_abi import encode

from app.chain.signatures import load
from app.chain.tx.decode import (
    TRANSFER,
    decode_call,
    decode_revert,
    eth_movements,
    failing_frame,
    other_event,
    units,
)
from app.chain.tx.tokens import TokenMeta, read_token_logs

TABLE = load()
A = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
B = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC"
TOKEN = "0x5FbDB2315678afecb367f032d93F642f64180aa3"
TRANSFER_SINGLE = "0xc3d58168c5ae7397731d063d5bbf3d657854427343f4c083240f7aacaa2d0f62"
APPROVAL = "0x8c5be1e5ebec7d5bd14f71427d1e84f3dd0314c0f7b2291e5b200ac8c7c3b925"
APPROVAL_FOR_ALL = "0x17307eab39ab6107e8899845ad3d59bd9653f200f220920489ca2b5937696c31"


def topic(address: str) -> str:
    return "0x" + address.lower().removeprefix("0x").rjust(64, "0")


def word(*values: object, types: list[str]) -> str:
    return "0x" + encode(types, list(values)).hex()


def log(index: int, topics: list[str], data: str) -> dict[str, object]:
    return {"address": TOKEN.lower(), "topics": topics, "data": data, "logIndex": hex(index)}


def test_error_string_panic_custom_and_unknown_reverts() -> None:
    reason = "0x08c379a0" + encode(["string"], ["Transfer failed"]).hex()
    assert decode_revert(reason, TABLE).model_dump(include={"kind", "reason"}) == {
        "kind": "error_string", "reason": "Transfer failed",
    }  # fmt: skip
    panic = decode_revert("0x4e487b71" + encode(["uint256"], [0x11]).hex(), TABLE)
    assert (panic.kind, panic.reason) == (
        "panic", "Panic(0x11): arithmetic overflow or underflow",
    )  # fmt: skip
    custom = "0xe450d38c" + encode(["address", "uint256", "uint256"], [A, 0, 5]).hex()
    decoded = decode_revert(custom, TABLE, "0.1")
    assert decoded.reason == "ERC20InsufficientBalance(address,uint256,uint256)"
    assert [a.value for a in decoded.args] == [A, "0", "5"] and decoded.frame == "0.1"
    unknown = decode_revert("0xdeadbeef", TABLE)
    assert (unknown.kind, unknown.selector) == ("unknown_error", "0xdeadbeef")
    assert decode_revert("0x", TABLE).kind == "no_data"


def test_a_known_and_an_unknown_function() -> None:
    data = "0xa9059cbb" + encode(["address", "uint256"], [A, 10]).hex()
    call = decode_call("0", {"from": B.lower(), "to": TOKEN.lower(), "input": data}, TABLE)
    assert call.function == "transfer(address,uint256)" and call.from_ == B
    assert [(a.type, a.value) for a in call.args] == [("address", A), ("uint256", "10")]
    odd = decode_call("0", {"from": B, "to": TOKEN, "input": "0x82f22246" + "00" * 32}, TABLE)
    assert odd.function is None and odd.selector == "0x82f22246" and odd.args == []


def test_the_failing_frame_follows_bubbled_reverts_only() -> None:
    out = "0x08c379a0" + encode(["string"], ["no"]).hex()
    bubbled = {"error": "execution reverted", "output": out, "calls": [
        {"to": A, "error": "execution reverted", "output": out},
    ]}  # fmt: skip
    assert failing_frame(bubbled)[0] == "0.0"
    caught = {"error": "execution reverted", "output": "0x", "calls": [
        {"to": A, "error": "execution reverted", "output": out}, {"to": B},
    ]}  # fmt: skip
    assert failing_frame(caught)[0] == "0"


def test_eth_moved_by_frames_that_did_not_fail() -> None:
    trace = {"from": B, "to": TOKEN, "value": hex(3 * 10**18), "calls": [
        {"type": "CALL", "from": TOKEN, "to": A, "value": hex(10**18)},
        {"type": "CALL", "from": TOKEN, "to": B, "value": hex(10**18), "error": "reverted"},
        {"type": "DELEGATECALL", "from": TOKEN, "to": A, "value": hex(10**18)},
    ]}  # fmt: skip
    moved = eth_movements(trace, "ETH")
    assert [(m.frame, m.value_display) for m in moved] == [("0", "3 ETH"), ("0.0", "1 ETH")]


def test_token_logs_of_each_standard() -> None:
    meta = {TOKEN: TokenMeta("FIX", 6)}
    logs = [
        log(0, [TRANSFER, topic(A), topic(B)], word(1_500_000, types=["uint256"])),
        log(1, [TRANSFER, topic(A), topic(B), word(7, types=["uint256"])], "0x"),
        log(2, [TRANSFER_SINGLE, topic(A), topic(A), topic(B)], word(3, 40, types=["uint256"] * 2)),
        log(3, [APPROVAL, topic(A), topic(B)], word(2**256 - 1, types=["uint256"])),
        log(4, [APPROVAL_FOR_ALL, topic(A), topic(B)], word(True, types=["bool"])),
        log(5, [TRANSFER, topic(A), topic(B)], "0x01"),  # malformed: skipped
    ]
    moves, approvals = read_token_logs(logs, meta)
    assert [(m.log_index, m.standard, m.amount_display, m.token_id) for m in moves] == [
        (0, "erc20", "1.5", None), (1, "erc721", "1", "7"), (2, "erc1155", "40", "3"),
    ]  # fmt: skip
    assert [(a.log_index, a.unlimited, a.amount) for a in approvals] == [
        (3, True, str(2**256 - 1)), (4, True, None),
    ]  # fmt: skip
    assert moves[0].from_ == A and moves[0].symbol == "FIX"


def test_units() -> None:
    assert units(1_500_000, 6) == "1.5" and units(10**18, 18) == "1" and units(5, None) == "5"
    assert units(1, 18) == "0.000000000000000001"


def test_other_events_are_named_with_their_arguments() -> None:
    swap = "0xd78ad95fa46c994b6551d0da85fc275fe613ce37657fb8d5e3d130840159d822"  # Uniswap V2
    event = other_event(
        log(7, [swap, topic(A), topic(B)], word(0, 5, 9, 0, types=["uint256"] * 4)), TABLE
    )
    assert event.event == "Swap(address,uint256,uint256,uint256,uint256,address)"
    assert [a.value for a in event.args] == [A, "0", "5", "9", "0", B]
    unknown = other_event(log(8, ["0x" + "ee" * 32], "0x"), TABLE)
    assert (unknown.event, unknown.args, unknown.log_index) == (None, [], 8)
