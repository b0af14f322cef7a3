"""Runtime code read as instructions: PUSH data, the metadata trailer, dead code, selectors."""

from __future__ import annotations

from app.chain.evm import disassemble, read_code, strip_metadata
from app.chain.signatures import load

# PUSH4 0x40c10f19 EQ PUSH2 0x0010 JUMPI: a dispatcher entry for mint(address,uint256).
ENTRY = "6340c10f19" + "14" + "610010" + "57"


def test_push_data_is_not_opcodes() -> None:
    # PUSH2 0xff5b: an 0xff (SELFDESTRUCT) and 0x5b (JUMPDEST) byte inside data, then STOP.
    ops = disassemble(bytes.fromhex("61ff5b00"))
    assert [(i.pc, i.op, i.data) for i in ops] == [(0, 0x61, b"\xff\x5b"), (3, 0x00, b"")]
    assert read_code("0x61ff5b00").selfdestruct_at == []


def test_selfdestruct_reachable_and_after_a_halt() -> None:
    assert read_code("0x6000ff").selfdestruct_at == [2]  # PUSH1 0, SELFDESTRUCT
    assert read_code("0x00ff").selfdestruct_at == []  # after STOP, no JUMPDEST: dead
    assert read_code("0x005bff").selfdestruct_at == []  # a JUMPDEST no PUSH names: data
    # PUSH1 4, JUMP, STOP, then the JUMPDEST at 4 that the PUSH names, and SELFDESTRUCT.
    assert read_code("0x600456005bff").selfdestruct_at == [5]


def test_metadata_trailer_is_not_code() -> None:
    trailer = bytes.fromhex("a2" + "ff" * 8) + (9).to_bytes(2, "big")
    code = bytes.fromhex("5b00") + trailer
    assert strip_metadata(code) == bytes.fromhex("5b00")
    assert read_code("0x" + code.hex()).selfdestruct_at == []


def test_dispatcher_selectors_only() -> None:
    # A PUSH4 compared nowhere (stored) is not a selector; PUSH3 keeps a leading zero byte.
    code = "0x" + ENTRY + "63deadbeef" + "50" + "62fdd58e" + "14" + "610020" + "57" + "00"
    assert read_code(code).selectors == ["0x40c10f19", "0x00fdd58e"]


def test_table_names_powers_and_benign_standards() -> None:
    table = load()
    mint = table.get("0x40c10f19")
    assert mint is not None and (mint.signature, mint.power) == (
        "mint(address,uint256)",
        "mintable",
    )
    vault_mint = table.get("0x94bf804d")  # ERC-4626 mint(uint256,address): anyone, for assets
    assert vault_mint is not None and vault_mint.power is None
    transfer = table.get("0xa9059cbb")
    assert transfer is not None and transfer.power is None
    assert table.error("0xd93c0665") == "EnforcedPause()"


def test_small_constants_compared_are_not_selectors() -> None:
    # PUSH1 0x01 DUP2 EQ PUSH2 JUMPI: a flag check in via-IR code, not a function.
    code = "0x" + ENTRY + "6001" + "81" + "14" + "610030" + "57" + "00"
    assert read_code(code).selectors == ["0x40c10f19"]
