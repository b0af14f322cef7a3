"""Known EVM chains: canonical names, chain ids and the ways people write them."""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Chain:
    """One chain, as stored in payloads (name) and as written by people (label, aliases)."""

    chain_id: int | None
    name: str
    label: str
    aliases: tuple[str, ...] = ()
    # Aliases that are ordinary words ("base", "op") count only capitalised or after "on".
    ambiguous: tuple[str, ...] = ()
    # Block explorer base URL; an address page is {explorer}/address/{address}.
    explorer: str | None = None


CHAINS: tuple[Chain, ...] = (
    Chain(
        1,
        "ethereum",
        "Ethereum",
        ("ethereum", "eth mainnet", "ethereum mainnet", "mainnet"),
        explorer="https://etherscan.io",
    ),
    Chain(
        10,
        "optimism",
        "Optimism",
        ("optimism", "op mainnet"),
        ("op",),
        explorer="https://optimistic.etherscan.io",
    ),
    Chain(
        56,
        "bnb",
        "BNB Chain",
        ("bnb chain", "bnb smart chain", "bsc", "binance smart chain"),
        explorer="https://bscscan.com",
    ),
    Chain(
        100,
        "gnosis",
        "Gnosis",
        ("gnosis chain", "gnosis", "xdai"),
        explorer="https://gnosisscan.io",
    ),
    Chain(130, "unichain", "Unichain", ("unichain",), explorer="https://uniscan.xyz"),
    Chain(
        137,
        "polygon",
        "Polygon",
        ("polygon", "polygon pos", "matic network"),
        explorer="https://polygonscan.com",
    ),
    Chain(250, "fantom", "Fantom", ("fantom",), explorer="https://ftmscan.com"),
    Chain(
        324, "zksync", "zkSync Era", ("zksync era", "zksync"), explorer="https://explorer.zksync.io"
    ),
    Chain(8453, "base", "Base", (), ("base",), explorer="https://basescan.org"),
    Chain(
        42161, "arbitrum", "Arbitrum", ("arbitrum one", "arbitrum"), explorer="https://arbiscan.io"
    ),
    Chain(42220, "celo", "Celo", ("celo",), explorer="https://celoscan.io"),
    Chain(
        43114,
        "avalanche",
        "Avalanche",
        ("avalanche c-chain", "avalanche", "avax"),
        explorer="https://snowtrace.io",
    ),
    Chain(59144, "linea", "Linea", ("linea",), explorer="https://lineascan.build"),
    Chain(81457, "blast", "Blast", (), ("blast",), explorer="https://blastscan.io"),
    # Chains that are not EVM chains, but that documents and questions name.
    Chain(None, "bitcoin", "Bitcoin", ("bitcoin",)),
    Chain(None, "solana", "Solana", ("solana",)),
    Chain(None, "cosmos", "Cosmos Hub", ("cosmos hub", "cosmos")),
    Chain(None, "dydx", "dYdX Chain", ("dydx chain",)),
    Chain(None, "terra", "Terra", ("terra classic", "terra")),
    Chain(None, "tron", "Tron", ("tron",)),
)
BY_ID = {c.chain_id: c for c in CHAINS if c.chain_id is not None}
BY_NAME = {c.name: c for c in CHAINS}


# Not part of a longer word or a hyphenated name ("base-layer" names no chain).
_BOUNDED = r"(?<![\w-])(?:{})(?![\w-])"


def _literal(word: str) -> str:
    """A word as a pattern, escaped the same for Python and ECMAScript (no escaped hyphen)."""
    return re.sub(r"[.*+?^${}()|[\]\\]", r"\\\g<0>", word)


def names_pattern(chain: Chain) -> str | None:
    """The chain's aliases as a pattern to match in any case, valid in Python and ECMAScript."""
    if not chain.aliases:
        return None
    return _BOUNDED.format("|".join(_literal(a) for a in chain.aliases))


def words_pattern(chain: Chain) -> str | None:
    """Its names that are ordinary words, as a case-sensitive pattern (Python and ECMAScript):
    capitalised, in capitals, or as written after "on" or "in"."""
    if not chain.ambiguous:
        return None
    words = [w for a in chain.ambiguous for w in (_literal(a.capitalize()), _literal(a.upper()))]
    after = "|".join(_literal(a) for a in chain.ambiguous)
    return _BOUNDED.format(f"{'|'.join(words)}|(?<=(?:[Oo][Nn]|[Ii][Nn]) )(?:{after})")


def _pattern() -> re.Pattern[str]:
    parts: list[str] = []
    for n, chain in enumerate(CHAINS):
        if names := names_pattern(chain):
            parts.append(rf"(?P<n{n}>(?i:{names}))")
        if words := words_pattern(chain):
            parts.append(rf"(?P<w{n}>{words})")
    return re.compile("|".join(parts))


_CHAIN_RE = _pattern()


def chains_in(text: str) -> list[Chain]:
    """Chains a question names, in order, once each."""
    found: list[Chain] = []
    for match in _CHAIN_RE.finditer(text):
        chain = CHAINS[int((match.lastgroup or "")[1:])]
        if chain not in found:
            found.append(chain)
    return found


def label(name: str) -> str:
    """How people write a chain's canonical name ("arbitrum" -> "Arbitrum"); others as given."""
    return BY_NAME[name].label if name in BY_NAME else name


def explorer_url(chain: str, address: str) -> str | None:
    """The block explorer page of an address on a chain, when the chain has a known explorer."""
    known = BY_NAME.get(chain) or resolve(chain)
    return f"{known.explorer}/address/{address}" if known and known.explorer else None


def resolve(name_or_id: str) -> Chain | None:
    """A chain from its canonical name, an alias or a decimal chain id."""
    key = name_or_id.strip().lower()
    if key.isdigit():
        return BY_ID.get(int(key))
    return BY_NAME.get(key) or _ALIASES.get(key) or _ALIASES.get(key.replace("-", " "))


_ALIASES = {a: c for c in CHAINS for a in (*c.aliases, *c.ambiguous, c.label.lower())}
