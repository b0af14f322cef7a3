"""What an answer tells a person about their own input, in words they can act on."""

from __future__ import annotations

from app.evm.addresses import NearMiss
from app.i18n.catalog import N_, _
from app.rag.extractive import terms

_NEAR_MISS_LEAD = N_(
    "**Not an address:** `{raw}` {problem}. It was not looked up, and nothing below is about "
    "it: copy the address again from where you found it."
)
_NEAR_MISS_WARNING = N_("{raw} is not a valid address: {problem}; it was not looked up")


def near_miss_problem(miss: NearMiss) -> str:
    """What is wrong with something written as an address, in one clause."""
    if miss.problem == "space":
        problem = _(
            "has a space inside it; an address is one unbroken run of 40 hex digits after 0x"
        )
    elif miss.problem == "non_hex":
        chars = ", ".join(f"'{c}'" for c in miss.bad)
        problem = (
            _("contains {chars}, which is not a hex digit (an address uses only 0-9 and a-f)")
            if len(miss.bad) == 1
            else _("contains {chars}, which are not hex digits (an address uses only 0-9 and a-f)")
        ).format(chars=chars)
        if "O" in miss.bad or "o" in miss.bad:
            problem += _("; the letter O may stand where a zero belongs")
    elif miss.problem == "length":
        problem = (
            _("has {length} characters after 0x, too few: an address has exactly 40")
            if miss.length < 40
            else _("has {length} characters after 0x, too many: an address has exactly 40")
        ).format(length=miss.length)
    else:
        problem = _(
            "has upper- and lower-case letters that do not match its EIP-55 checksum: a "
            "character was changed, or it was made to look like another address"
        )
    if miss.problem != "non_hex" and miss.bad:
        bad = ", ".join(repr(c) for c in miss.bad)
        problem += _(", and {chars} is not a hex digit").format(chars=bad)
    return problem


def near_miss_lead(misses: list[NearMiss]) -> str:
    """The lines that open an answer whose question holds something that is not an address."""
    return "\n\n".join(
        _(_NEAR_MISS_LEAD).format(raw=m.raw, problem=near_miss_problem(m)) for m in misses
    )


def near_miss_warnings(misses: list[NearMiss]) -> list[str]:
    """One warning per near miss; a wrong checksum is warned of by the retrieval already."""
    return [
        _(_NEAR_MISS_WARNING).format(raw=m.raw, problem=near_miss_problem(m))
        for m in misses
        if m.problem != "checksum"
    ]


def original_lead(
    token: tuple[str, str, str, str], cite: str, also: list[tuple[str, str]], also_cite: str
) -> str:
    """The line that opens an answer about a token many chains carry: the original (name,
    symbol, chain label, address), then where else it is (chain label, address pairs)."""
    name, symbol, chain, address = token
    lead = _("**{name} ({symbol})** is {address} on {chain}{cite}.").format(
        name=name, symbol=symbol, address=address, chain=chain, cite=cite
    )
    if also:
        where = "; ".join(f"{c} {a}" for c, a in also)
        lead += _(" Also on: {where}{cite}.").format(where=where, cite=also_cite)
    return lead


def for_people(message: str, code: str, chain: str) -> str:
    """Why a chain was not read, without the settings that would fix it (those are logged for
    the operator): what a person asking can understand and act on."""
    if code == "chain_not_configured":
        return _("this service is not connected to {chain}").format(chain=chain)
    kept = [p for p in message.split("; ") if "CRYPTORAG_" not in p]
    return "; ".join(kept) or _("{chain} could not be read").format(chain=chain)


def not_read_warning(address: str, chain: str, why: str) -> str:
    """The warning that an address's live state was not read, and why."""
    return _("the live state of {address} on {chain} was not read: {why}").format(
        address=address, chain=chain, why=why
    )


def not_read_line(chain: str, why: str, from_kb: bool) -> str:
    """The address block's line for an address whose live state was not read."""
    line = _("The live state of this address on {chain} was not read ({why})").format(
        chain=chain, why=why
    )
    return line + (_("; what is above comes from the knowledge base") if from_kb else "")


def nothing_else_asked(question: str, misses: list[NearMiss]) -> bool:
    """Whether the question asks only about what is not an address ("what is 0x…?"): then no
    document is about it, and none is quoted as if it were."""
    rest = question
    for miss in misses:
        rest = rest.replace(miss.raw, " ")
    return bool(misses) and not terms(rest)
