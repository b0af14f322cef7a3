"""The original asset first: a symbol or name that many listed tokens share leads with one.

Which one: the token on the chain the question names; else the one on the default chain (where
the bridged versions come from); else the one a document about the asset declares; else the
list's first. Its documents lead the retrieved chunks, and the others are "also on".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from app.chain.canonical import CanonicalTokens, KnownToken
from app.evm.addresses import find_addresses
from app.evm.chains import chains_in, label
from app.kb.cards import prose_first
from app.kb.models import ScoredChunk
from app.kb.store import QdrantStore
from app.rag.context import Source, sanitise
from app.rag.extractive import terms
from app.rag.notices import original_lead

_WORD = re.compile(r"\$?[A-Za-z0-9][A-Za-z0-9._-]*[A-Za-z0-9]")
# Symbols that are also everyday words are matched only as the list writes them ("SAFE").
_EVERYDAY = frozenset(
    {
        "the",
        "and",
        "for",
        "are",
        "was",
        "what",
        "which",
        "who",
        "how",
        "why",
        "when",
        "where",
        "does",
        "did",
        "this",
        "that",
        "with",
        "from",
        "about",
        "token",
        "tokens",
        "safe",
        "one",
        "time",
        "high",
        "bitcoin",
        "ether",
        "gas",
        "fee",
        "fees",
        "pool",
        "pools",
        "loan",
        "loans",
        "yield",
        "vault",
        "swap",
        "bridge",
        "stake",
        "dao",
        "oracle",
        "price",
        "hack",
        "lost",
        "much",
        "many",
        "can",
        "its",
        "new",
        "old",
    }
)
_MAX_ALSO = 8
_GENERIC = frozenset({"token", "coin"})
# Words besides the token and the chain that still ask what the token is ("tell me about X").
_MAX_OTHER_TERMS = 2
_ASKING = frozenset({"tell", "me", "about", "show", "give", "explain", "info", "information"})
_FETCH = 4  # chunks of the original's documents fetched when retrieval missed them


@dataclass(frozen=True)
class Original:
    """The token an answer leads with, and its versions on other chains."""

    token: KnownToken
    others: list[KnownToken]
    chain_named: bool = False  # the question (or the client's filter) named a chain


class OriginalFirst:
    """Picks the original of a symbol a question asks about and puts its documents first."""

    def __init__(self, canonical: CanonicalTokens, default_chain: str, store: QdrantStore) -> None:
        self.canonical = canonical
        self.default_chain = default_chain
        self.store = store
        self.by_symbol: dict[str, list[KnownToken]] = {}
        for token in canonical.by_address.values():
            self.by_symbol.setdefault(token.symbol, []).append(token)
        self._folded = {s.lower(): s for s in self.by_symbol if len(s) >= 3}
        self._upper_symbols = {s.upper() for s in self.by_symbol}
        # Names of two words or more ("Wrapped Ether", "USD Coin"), any case.
        self._names = {
            t.name.lower(): t.symbol
            for t in canonical.by_address.values()
            if len(t.name.split()) >= 2 and len(t.name) >= 6
        }
        # "ChainLink Token" is also called Chainlink: the name without a generic last word.
        for name, symbol in list(self._names.items()):
            head, _, last = name.rpartition(" ")
            if last in _GENERIC and len(head) >= 5 and head not in _EVERYDAY:
                self._names.setdefault(head, symbol)

    def symbols(self, question: str) -> set[str]:
        """Listed symbols the question names: as written, in lower case, or by a token's name."""
        found: set[str] = set()
        for word in _WORD.findall(question):
            bare = word.lstrip("$")
            if bare in self.by_symbol and len(bare) >= 2:
                found.add(bare)
            elif bare.islower() and bare not in _EVERYDAY and bare in self._folded:
                found.add(self._folded[bare])
        low = f" {' '.join(question.lower().split())} "
        found |= {s for n, s in self._names.items() if f" {n} " in low or f" {n}?" in low}
        return found

    def pick(
        self,
        question: str,
        hits: list[ScoredChunk],
        chains: list[str],
        filters: dict[str, Any] | None = None,
    ) -> Original | None:
        """The original of the one listed symbol the question asks about, if several share it."""
        wanted = filters.get("chain") if filters else None
        chains = [wanted] if isinstance(wanted, str) else [str(c) for c in wanted or []] or chains
        if find_addresses(question):
            return None  # an address asked about leads with its own block
        symbols = self.symbols(question)
        if len(symbols) != 1 or not self._about_the_token(question):
            return None
        tokens = self.by_symbol[symbols.pop()]
        if len(tokens) < 2:
            return None
        on_named = [t for t in tokens if t.chain in chains]
        home = [t for t in tokens if t.chain == self.default_chain]
        chosen = (on_named or home or self._declared(tokens, hits) or tokens)[0]
        others = [t for t in tokens if t != chosen and t.address != chosen.address]
        return Original(chosen, others, chain_named=bool(on_named))

    def _about_the_token(self, question: str) -> bool:
        """Whether the question asks what the token is or where, not something that only
        mentions it ("Can I turn cvxCRV back into CRV?")."""
        rest = f" {question.lower()} "
        for name in self._names:
            rest = rest.replace(name, " ")
        named = {t for c in chains_in(question) for t in terms(" ".join((c.label, *c.aliases)))}
        left = terms(rest) - named - _ASKING
        words = {w for w in left if w.lstrip("$").upper() not in self._upper_symbols}
        return len(words) <= _MAX_OTHER_TERMS

    @staticmethod
    def _declared(tokens: list[KnownToken], hits: list[ScoredChunk]) -> list[KnownToken]:
        """Listed versions that a retrieved document about the asset (not a card) declares."""
        by_address = {t.address: t for t in tokens}
        for hit in hits:
            meta = hit.chunk.metadata
            if meta.get("contract_card") or meta.get("token_list"):
                continue  # a card of the list says what the list says, nothing more
            declared = [by_address[a] for a in hit.chunk.subject_addresses if a in by_address]
            if declared:
                return declared
        return []

    def first(
        self,
        original: Original,
        hits: list[ScoredChunk],
        filters: dict[str, Any] | None,
        top_k: int,
    ) -> list[ScoredChunk]:
        """The original's documents first (those about it, then those naming it), then the
        rest, the cards of its versions elsewhere last."""
        address = original.token.address

        def names(h: ScoredChunk) -> bool:
            return address in h.chunk.addresses or address.lower() in h.chunk.text.lower()

        about = [h for h in hits if address in h.chunk.subject_addresses]
        if not about:
            top = hits[0].score if hits else 1.0
            about = [
                ScoredChunk(chunk=c, score=top, matched="address")
                for c in self.store.by_addresses([address], limit=_FETCH, filters=filters)
                if address in c.subject_addresses
            ]
        ids = {h.chunk.id for h in about}
        naming = [h for h in hits if h.chunk.id not in ids and names(h)]
        ids |= {h.chunk.id for h in naming}
        elsewhere = {t.address for t in original.others}
        rest = [h for h in hits if h.chunk.id not in ids]
        bridged = [h for h in rest if elsewhere & set(h.chunk.subject_addresses)]
        plain = [h for h in rest if h not in bridged]
        ordered = about + naming + plain + bridged
        # With no chain named the question asks what the asset is: its documents before its card.
        ordered = ordered if original.chain_named else prose_first(ordered)
        return ordered[: max(top_k, len(about))]

    def lead(
        self, original: Original, hits: list[ScoredChunk], sources: list[Source]
    ) -> tuple[str, Source | None]:
        """The opening line naming the original and where else it is, and the list as a source
        when no source is it yet."""
        listed = next((s for s in sources if s.source.startswith("token list:")), None)
        added = None
        if listed is None:
            added = listed = Source(
                len(sources) + 1,
                f"token list: {self.canonical.source}",
                f"{self.canonical.source} (curated token list)",
                None,
                1.0,
                trust="curated",
            )
        numbers = {s.doc_id: s.index for s in sources if s.doc_id}
        t = original.token
        own = next(
            (numbers.get(h.chunk.doc_id) for h in hits if t.address in h.chunk.subject_addresses),
            None,
        )
        cite = (f" [{own}]" if own else "") + f" [{listed.index}]"
        also = [(label(o.chain), o.address) for o in original.others[:_MAX_ALSO]]
        name, symbol = sanitise(t.name, limit=100), sanitise(t.symbol, limit=30)
        token = (name, symbol, label(t.chain), t.address)
        return original_lead(token, cite, also, f" [{listed.index}]"), added

    @staticmethod
    def addresses(original: Original) -> set[str]:
        """Lower-case addresses the lead names: the list's, so grounded."""
        return {t.address.lower() for t in [original.token, *original.others[:_MAX_ALSO]]}
