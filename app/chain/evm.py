"""EVM runtime code as instructions: PUSH data skipped, dispatcher selectors, dead code."""

from __future__ import annotations

from dataclasses import dataclass

PUSH1, PUSH32 = 0x60, 0x7F
JUMPDEST, JUMPI, EQ = 0x5B, 0x57, 0x14
DUP1, DUP16 = 0x80, 0x8F
SELFDESTRUCT = 0xFF
# Instructions after which the next byte is reached only as a jump target.
_HALTS = {0x00, 0x56, 0xF3, 0xFD, 0xFE, 0xFF}


@dataclass(frozen=True)
class Instruction:
    """One opcode at its offset, with the immediate bytes of a PUSH."""

    pc: int
    op: int
    data: bytes = b""


def strip_metadata(code: bytes) -> bytes:
    """The code without solc's CBOR metadata trailer (its last two bytes give its length)."""
    if len(code) < 2:
        return code
    size = int.from_bytes(code[-2:], "big")
    start = len(code) - 2 - size
    # A CBOR map of 1 to 5 entries (0xa1..0xa5) opens solc's and vyper's trailers.
    if size > 0 and start >= 0 and 0xA1 <= code[start] <= 0xA5:
        return code[:start]
    return code


def disassemble(code: bytes) -> list[Instruction]:
    """Linear sweep: a PUSHn's n bytes are data, never opcodes."""
    out: list[Instruction] = []
    pc = 0
    while pc < len(code):
        op = code[pc]
        if PUSH1 <= op <= PUSH32:
            size = op - PUSH1 + 1
            out.append(Instruction(pc, op, code[pc + 1 : pc + 1 + size]))
            pc += 1 + size
        else:
            out.append(Instruction(pc, op))
            pc += 1
    return out


def reachable(instructions: list[Instruction]) -> list[Instruction]:
    """Instructions control flow can reach: after a halt, only from a JUMPDEST that some PUSH
    names as a jump target (so bytes of a data section after the code stay dead)."""
    targets = {int.from_bytes(i.data, "big") for i in instructions if 0 < len(i.data) <= 4}
    out: list[Instruction] = []
    live = True
    for ins in instructions:
        if ins.op == JUMPDEST and ins.pc in targets:
            live = True
        if live:
            out.append(ins)
            if ins.op in _HALTS:
                live = False
    return out


def selectors(instructions: list[Instruction]) -> list[str]:
    """Selectors of a Solidity-style dispatcher: PUSH3/4 sel, [DUPn,] EQ, PUSH dest, JUMPI."""
    found: dict[str, None] = {}
    ops = [ins.op for ins in instructions]
    for i, ins in enumerate(instructions):
        # PUSH3 and PUSH4 only: solc drops a selector's leading zero byte, and smaller constants
        # compared this way are flags and counters far more often than selectors.
        if not PUSH1 + 2 <= ins.op <= PUSH1 + 3:
            continue
        j = i + 1
        if j < len(ops) and DUP1 <= ops[j] <= DUP16:  # via-IR puts the copy after the constant
            j += 1
        if (
            ops[j : j + 1] == [EQ]
            and j + 2 < len(ops)
            and PUSH1 <= ops[j + 1] <= PUSH32
            and ops[j + 2] == JUMPI
        ):
            found["0x" + ins.data.rjust(4, b"\x00").hex()] = None
    return list(found)


@dataclass(frozen=True)
class CodeReading:
    """What the runtime code of one contract shows."""

    size: int
    selectors: list[str]
    selfdestruct_at: list[int]


def read_code(hex_code: str) -> CodeReading:
    """Selectors and reachable SELFDESTRUCT offsets of 0x-prefixed runtime code."""
    code = bytes.fromhex(hex_code.removeprefix("0x"))
    live = reachable(disassemble(strip_metadata(code)))
    return CodeReading(
        size=len(code),
        selectors=selectors(live),
        selfdestruct_at=[ins.pc for ins in live if ins.op == SELFDESTRUCT],
    )
