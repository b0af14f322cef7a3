"""What an answer tells a person about their own input, in words they can act on."""

from __future__ import annotations

from app.evm.addresses import NearMiss
from app.rag.extractive import terms

_NEAR_MISS_LEAD = (
    "**Not an address:** `{raw}` {problem}. It was not looked up, and nothing below is about "
    "it: copy the address again from where you found it."
)
_NEAR_MISS_WARNING = "{raw} is not a valid address: {problem}; it was not looked up"


def near_miss_problem(miss: NearMiss) -> str:
    """What is wrong with something written as an address, in one clause."""
    if miss.problem == "space":
        problem = "has a space inside it; an address is one unbroken run of 40 hex digits after 0x"
    elif miss.problem == "non_hex":
        chars = ", ".join(f"'{c}'" for c in miss.bad)
        verb = "is not a hex digit" if len(miss.bad) == 1 else "are not hex digits"
        problem = f"contains {chars}, which {verb} (an address uses only 0-9 and a-f)"
        if "O" in miss.bad or "o" in miss.bad:
            problem += "; the letter O may stand where a zero belongs"
    elif miss.problem == "length":
        more = "too few" if miss.length < 40 else "too many"
        problem = f"has {miss.length} characters after 0x, {more}: an address has exactly 40"
    else:
        problem = (
            "has upper- and lower-case letters that do not match its EIP-55 checksum: a "
            "character was changed, or it was made to look like another address"
        )
    if miss.problem != "non_hex" and miss.bad:
        problem += f", and {', '.join(repr(c) for c in miss.bad)} is not a hex digit"
    return problem


def near_miss_lead(misses: list[NearMiss]) -> str:
    """The lines that open an answer whose question holds something that is not an address."""
    return "\n\n".join(
        _NEAR_MISS_LEAD.format(raw=m.raw, problem=near_miss_problem(m)) for m in misses
    )


def near_miss_warnings(misses: list[NearMiss]) -> list[str]:
    """One warning per near miss; a wrong checksum is warned of by the retrieval already."""
    return [
        _NEAR_MISS_WARNING.format(raw=m.raw, problem=near_miss_problem(m))
        for m in misses
        if m.problem != "checksum"
    ]


def original_lead(
    token: tuple[str, str, str, str], cite: str, also: list[tuple[str, str]], also_cite: str
) -> str:
    """The line that opens an answer about a token many chains carry: the original (name,
    symbol, chain label, address), then where else it is (chain label, address pairs)."""
    name, symbol, chain, address = token
    lead = f"**{name} ({symbol})** is {address} on {chain}{cite}."
    if also:
        where = "; ".join(f"{c} {a}" for c, a in also)
        lead += f" Also on: {where}{also_cite}."
    return lead


def for_people(message: str, code: str, chain: str) -> str:
    """Why a chain was not read, without the settings that would fix it (those are logged for
    the operator): what a person asking can understand and act on."""
    if code == "chain_not_configured":
        return f"this service is not connected to {chain}"
    kept = [p for p in message.split("; ") if "CRYPTORAG_" not in p]
    return "; ".join(kept) or f"{chain} could not be read"


def not_read_warning(address: str, chain: str, why: str) -> str:
    """The warning that an address's live state was not read, and why."""
    return f"the live state of {address} on {chain} was not read: {why}"


def not_read_line(chain: str, why: str, from_kb: bool) -> str:
    """The address block's line for an address whose live state was not read."""
    line = f"The live state of this address on {chain} was not read ({why})"
    return line + ("; what is above comes from the knowledge base" if from_kb else "")


def nothing_else_asked(question: str, misses: list[NearMiss]) -> bool:
    """Whether the question asks only about what is not an address ("what is 0x…?"): then no
    document is about it, and none is quoted as if it were."""
    rest = question
    for miss in misses:
        rest = rest.replace(miss.raw, " ")
    return bool(misses) and not terms(rest)
