"""Well-known tokens per chain, to warn when a contract borrows a famous symbol."""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from app.chain.untrusted import symbol_key
from app.evm.chains import label as chain_label

DEFAULT_PATH = Path(__file__).with_name("data") / "canonical_tokens.json"


@dataclass(frozen=True)
class KnownToken:
    """A token from a curated list."""

    chain: str
    address: str
    symbol: str
    name: str


class CanonicalTokens:
    """Lookup by (chain, address) and by folded symbol."""

    def __init__(self, tokens: list[KnownToken], source: str = "") -> None:
        self.source = source
        self.by_address = {(t.chain, t.address.lower()): t for t in tokens}
        # Any chain's listing of an address, the first one the list gives.
        self._anywhere: dict[str, KnownToken] = {}
        for t in tokens:
            self._anywhere.setdefault(t.address.lower(), t)
        self.by_symbol: dict[str, list[KnownToken]] = defaultdict(list)
        for t in tokens:
            self.by_symbol[symbol_key(t.symbol)].append(t)

    @classmethod
    def load(cls, path: Path = DEFAULT_PATH) -> CanonicalTokens:
        """Read the JSON written by app/chain/data/build_canonical.py."""
        data = json.loads(path.read_text(encoding="utf-8"))
        tokens = [KnownToken(**t) for t in data["tokens"]]
        return cls(tokens, data.get("source", path.name))

    def lookup(self, chain: str, address: str) -> KnownToken | None:
        """The listed token at this address, if any."""
        return self.by_address.get((chain, address.lower()))

    def anywhere(self, address: str) -> KnownToken | None:
        """The listed token at this address on whichever chain the list first gives it."""
        return self._anywhere.get(address.lower())

    def impersonation(self, chain: str, address: str, symbol: str) -> str | None:
        """A warning when the symbol belongs to a listed token at another address, else None."""
        if self.lookup(chain, address):
            return None
        same = self.by_symbol.get(symbol_key(symbol), [])
        if not same:
            return None
        where = chain_label(chain)
        here = [t for t in same if t.chain == chain]
        if here:
            canon = here[0]
            return (
                f"symbol {canon.symbol} belongs to a well-known token: this is NOT the canonical "
                f"{canon.symbol} on {where}, which is at {canon.address}"
            )
        return (
            f"symbol {same[0].symbol} is the symbol of a well-known token ({same[0].name}); this "
            f"address is not in the canonical token list for {where}: do not identify it by symbol"
        )
