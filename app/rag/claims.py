"""Sentences that tie a listed token to an address ("the new USDC contract is 0x...").

Only the forms that state where a token is count: the token and the address with nothing but
linking words between them ("is", "the official", "moved to", "on Ethereum at", "(USDC)"). A
sentence that trades, pools or bridges the token names it beside some other contract, and
claims nothing about the token's own address unless it also says the address is the token's
official, new or real one.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from app.evm.addresses import ADDRESS_RE
from app.evm.chains import CHAINS
from app.rag.address_kb import chain_near

_SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")
# A word as a symbol is written: "$USDC", "USDC.e" and "USDC/WETH" are other words than "USDC".
_WORD = re.compile(r"\$?[A-Za-z0-9][A-Za-z0-9._/+-]*[A-Za-z0-9+]|\$?[A-Za-z0-9]")
_GAP_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9'-]*")
MAX_GAP_WORDS = 12


def _vocabulary(text: str) -> frozenset[str]:
    """A set of words written as one string."""
    return frozenset(text.split())


# Words that can stand between a token and the address said to be it.
_LINKING = _vocabulary(
    """
    is are was were be been being has have had now at to on in of the a an its it it's this that
    official officially real really new newer newest current currently canonical genuine correct
    actual true verified legit legitimate authentic proper right only sole main primary
    contract contracts address addresses token tokens smart erc20 erc-20 bep20 bep-20 deployed
    deployment redeployed lives living located found moved migrated migrating migration
    relaunched upgraded changed switched send sent deposit deposits use using please should must
    go goes here there v2 v3 v4 version mainnet network chain id stablecoin coin and instead from
    your all any funds transfers payments so which where
    """
)
_CHAIN_WORDS = frozenset(
    w for c in CHAINS for text in (c.name, c.label, *c.aliases) for w in text.lower().split()
)
# Words saying the token was only traded, pooled or moved through the address.
_TRADE = _vocabulary(
    """
    swap swaps swapped swapping trade trades traded trading convert converted exchange exchanged
    buy bought sell sold pair pairs pool pools router vault vaults borrow borrowed lend lent stake
    staked staking farm liquidity lp drained stolen stole exploit exploited exploiter attacker
    hacker hack hacked bridge bridged gauge oracle feed market escrow
    """
)
# Words that make a claim outright, whatever else the sentence says.
_STRONG = _vocabulary(
    """
    official officially real genuine canonical correct actual authentic verified legit legitimate
    new moved migrated migrating relaunched redeployed only
    """
)
# Words that say an address is no longer the token's.
_DISOWN = _vocabulary(
    """
    deprecated obsolete defunct retired abandoned legacy compromised old outdated fake scam
    phishing counterfeit discontinued replaced superseded dead frozen
    """
)
_DISOWN_PHRASES = ("no longer", "do not use", "don't use", "stop using", "not the official")
_POSITIVE = _vocabulary(
    "official real new canonical genuine correct actual authentic verified current"
)


@dataclass(frozen=True)
class Claim:
    """A sentence saying that an address is a token (or that it no longer is) on a chain."""

    symbol: str
    address: str  # as written
    chain: str | None  # the chain the sentence names nearest the address, else the document's
    sentence: str
    disowns: bool = False  # "0x... is deprecated": the address is said not to be the token now


@dataclass(frozen=True)
class _Mention:
    start: int
    end: int
    symbol: str


def sentences(text: str) -> list[str]:
    """Sentences and lines of a text, list markers stripped."""
    return [s.strip().lstrip("-*> ").strip() for s in _SENTENCE.split(text) if s.strip()]


def _words(text: str) -> list[str]:
    return [w.lower() for w in _GAP_WORD.findall(ADDRESS_RE.sub(" ", text))]


def _linking(gap: str, extra: frozenset[str]) -> bool:
    words = _words(gap)
    allowed = _LINKING | _CHAIN_WORDS | extra
    return len(words) <= MAX_GAP_WORDS and all(w in allowed or w.isdigit() for w in words)


class ClaimFinder:
    """Finds claims about the tokens of a list, by symbol (as written) or multi-word name."""

    def __init__(self, symbols: Iterable[str], names: dict[str, str]) -> None:
        # One-letter symbols ("T", "U") are ordinary capitals in prose.
        self.symbols = frozenset(s for s in symbols if len(s.lstrip("$")) >= 2)
        self.names = {n: s for n, s in names.items() if len(n.split()) >= 2}
        self._name = (
            re.compile("|".join(re.escape(n) for n in sorted(self.names, key=len, reverse=True)))
            if self.names
            else None
        )
        # The words of names: "USD Coin (USDC)" links the symbol and the name.
        self._name_words = frozenset(w.lower() for n in self.names for w in n.split())

    def mentions(self, sentence: str) -> list[_Mention]:
        """Where the sentence names a listed token."""
        found = []
        for m in _WORD.finditer(sentence):
            word = m.group(0).rstrip(".")
            bare = word.lstrip("$")
            if bare in self.symbols or word in self.symbols:
                found.append(_Mention(m.start(), m.start() + len(word), bare))
        if self._name is not None:
            found += [
                _Mention(m.start(), m.end(), self.names[m.group(0)])
                for m in self._name.finditer(sentence)
            ]
        return sorted(found, key=lambda x: x.start)

    def claims(self, text: str, chain: str | None = None) -> list[Claim]:
        """Every claim in a text; `chain` is the document's, for sentences naming none."""
        out: list[Claim] = []
        for sentence in sentences(text):
            if ADDRESS_RE.search(sentence):
                out += self.sentence_claims(sentence, chain)
        return out

    def sentence_claims(self, sentence: str, chain: str | None) -> list[Claim]:
        """The claims of one sentence; a disowning one may name no token (symbol "")."""
        addresses = list(ADDRESS_RE.finditer(sentence))
        mentions = self.mentions(sentence)
        words = set(_words(sentence))
        traded = bool(words & _TRADE) and not words & _STRONG
        out: list[Claim] = []
        for n, a in enumerate(addresses):
            where = chain_near(sentence, a.group(0)) or chain
            mention = self._linked(sentence, a, mentions)
            if mention is not None and not traded:
                out.append(Claim(mention.symbol, a.group(0), where, sentence))
            # What is said of this address alone: up to the addresses on either side.
            start = addresses[n - 1].end() if n else 0
            end = addresses[n + 1].start() if n + 1 < len(addresses) else len(sentence)
            if _disowning(sentence[start : a.start()], sentence[a.end() : end]):
                symbol = _nearest(mentions, a).symbol if mentions else ""
                out.append(Claim(symbol, a.group(0), where, sentence, disowns=True))
        return out

    def _linked(self, sentence: str, a: re.Match[str], mentions: list[_Mention]) -> _Mention | None:
        """The token the address is said to be: the nearest mention with only linking words."""
        before = [m for m in mentions if m.end <= a.start()]
        after = [m for m in mentions if m.start >= a.end()]
        if before and _linking(sentence[before[-1].end : a.start()], self._name_words):
            return before[-1]
        if after and _linking(sentence[a.end() : after[0].start], self._name_words):
            return after[0]
        return None


def _disowning(head: str, rest: str) -> bool:
    """Whether the words just before or after an address call it deprecated, old or fake."""
    after = _words(rest)[:5]
    before = _words(head)[-4:]
    if any(w in _DISOWN for w in after[:3]) or any(p in " ".join(after) for p in _DISOWN_PHRASES):
        return True
    return any(w in _DISOWN for w in before) and not set(before) & _POSITIVE


def _nearest(mentions: list[_Mention], a: re.Match[str]) -> _Mention:
    return min(mentions, key=lambda m: min(abs(m.start - a.end()), abs(a.start() - m.end)))
