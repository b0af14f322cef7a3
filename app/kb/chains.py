"""Known EVM chains: canonical names, chain ids and the ways people write them."""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Chain:
    """One chain, as stored in payloads (name) and as written by people (label, aliases)."""

    chain_id: int
    name: str
    label: str
    aliases: tuple[str, ...] = ()
    # Aliases that are ordinary words ("base", "op") count only capitalised or after "on".
    ambiguous: tuple[str, ...] = ()


CHAINS: tuple[Chain, ...] = (
    Chain(1, "ethereum", "Ethereum", ("ethereum", "eth mainnet", "ethereum mainnet", "mainnet")),
    Chain(10, "optimism", "Optimism", ("optimism", "op mainnet"), ("op",)),
    Chain(56, "bnb", "BNB Chain", ("bnb chain", "bnb smart chain", "bsc", "binance smart chain")),
    Chain(100, "gnosis", "Gnosis", ("gnosis chain", "gnosis", "xdai")),
    Chain(130, "unichain", "Unichain", ("unichain",)),
    Chain(137, "polygon", "Polygon", ("polygon", "polygon pos", "matic network")),
    Chain(250, "fantom", "Fantom", ("fantom",)),
    Chain(324, "zksync", "zkSync Era", ("zksync era", "zksync")),
    Chain(8453, "base", "Base", (), ("base",)),
    Chain(42161, "arbitrum", "Arbitrum", ("arbitrum one", "arbitrum")),
    Chain(42220, "celo", "Celo", ("celo",)),
    Chain(43114, "avalanche", "Avalanche", ("avalanche c-chain", "avalanche", "avax")),
    Chain(59144, "linea", "Linea", ("linea",)),
    Chain(81457, "blast", "Blast", (), ("blast",)),
)
BY_ID = {c.chain_id: c for c in CHAINS}
BY_NAME = {c.name: c for c in CHAINS}


def _pattern() -> re.Pattern[str]:
    parts: list[str] = []
    for chain in CHAINS:
        for alias in chain.aliases:
            parts.append(rf"(?P<a{chain.chain_id}_{len(parts)}>(?i:{re.escape(alias)}))")
        for word in chain.ambiguous:
            cap = word.capitalize()
            parts.append(
                rf"(?P<a{chain.chain_id}_{len(parts)}>{re.escape(cap)}|{re.escape(word.upper())}"
                rf"|(?<=(?i:on|in) ){re.escape(word)})"
            )
    return re.compile(r"(?<![\w-])(?:" + "|".join(parts) + r")(?![\w-])")


_CHAIN_RE = _pattern()


def chains_in(text: str) -> list[Chain]:
    """Chains a question names, in order, once each."""
    found: list[Chain] = []
    for match in _CHAIN_RE.finditer(text):
        group = match.lastgroup or ""
        chain = BY_ID[int(group[1:].split("_")[0])]
        if chain not in found:
            found.append(chain)
    return found


def resolve(name_or_id: str) -> Chain | None:
    """A chain from its canonical name, an alias or a decimal chain id."""
    key = name_or_id.strip().lower()
    if key.isdigit():
        return BY_ID.get(int(key))
    if key in BY_NAME:
        return BY_NAME[key]
    return next((c for c in CHAINS if key in c.aliases or key in c.ambiguous), None)
