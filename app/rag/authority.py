"""The curated token list as the authority on which address a listed token has on a chain.

Documents are read for claims about listed tokens (app/rag/claims.py). A claim that gives a
listed token another address on a chain than the list does, or calls the list's address
deprecated, is a dispute: it is reported, naming the list's address, and never followed.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from eth_utils import to_checksum_address

from app.chain.canonical import CanonicalTokens, KnownToken
from app.evm.addresses import ADDRESS_RE
from app.evm.chains import chains_in
from app.evm.chains import label as chain_label
from app.i18n.catalog import _
from app.kb.models import Chunk, ScoredChunk
from app.kb.trust import label as trust_label
from app.kb.trust import rank
from app.rag.claims import Claim, ClaimFinder
from app.rag.context import Source, sanitise
from app.rag.prompts import Prompts
from app.rag.words import is_common

_QUESTION_WORD = r"\$?[A-Za-z0-9][A-Za-z0-9._-]*[A-Za-z0-9]"


def short(address: str) -> str:
    """0x1234…5678: recognisable, and too short to copy and send funds to."""
    return f"{address[:6]}…{address[-4:]}"


# What a chunk's words say against the list: the token, the address claimed, the sentence, and
# whether it disowns the list's address.
_Said = tuple[KnownToken, str, str, bool]


@dataclass(frozen=True)
class Dispute:
    """A document that contradicts the list about one listed token on one chain."""

    token: KnownToken  # the list's entry: the token, its chain and its address there
    claimed: str  # the address the document gives it (the list's own when it disowns it)
    chunk: Chunk
    sentence: str
    disowns: bool = False

    @property
    def key(self) -> tuple[str, str, str, bool]:
        """One dispute per document, token, address and kind."""
        return (self.chunk.doc_id, self.token.address, self.claimed, self.disowns)


class TokenAuthority:
    """Checks what retrieved documents say about listed tokens against the curated list."""

    def __init__(self, canonical: CanonicalTokens, default_chain: str = "ethereum") -> None:
        self.canonical = canonical
        self.default_chain = default_chain
        self.by_symbol: dict[str, list[KnownToken]] = defaultdict(list)
        for token in canonical.by_address.values():
            self.by_symbol[token.symbol].append(token)
        names = {t.name: t.symbol for t in canonical.by_address.values()}
        self.finder = ClaimFinder(self.by_symbol, names)
        self._upper = {s.upper(): s for s in self.by_symbol if len(s) >= 3}
        self._names = {n.lower(): s for n, s in self.finder.names.items()}
        # Every answer re-reads the chunks it retrieved, and popular chunks come back again and
        # again: reading claims was ~8% of an answer's CPU (docs/benchmarks.md, issue 22).
        self._read = lru_cache(maxsize=4096)(self._read_chunk)

    def disputes(self, chunk: Chunk) -> list[Dispute]:
        """What one chunk says against the list, its title and declared addresses included."""
        said = self._read(chunk.text, chunk.chain, chunk.title, tuple(chunk.subject_addresses))
        return [
            Dispute(token, claimed, chunk, sentence, disowns)
            for token, claimed, sentence, disowns in said
        ]

    def _read_chunk(
        self, text: str, chain: str | None, title: str, subjects: tuple[str, ...]
    ) -> tuple[_Said, ...]:
        """The disputes in a chunk's words, without the chunk: the same words read the same."""
        claims = self.finder.claims(text, chain)
        # A card's title names its token, and its front matter the address it is about.
        titled = [
            c
            for address in subjects
            for c in self.finder.sentence_claims(f"{title}: {address}", chain)
            # A title names what a document is about ("MakerDAO and DAI"), not always the token
            # its address is: one the list has as another token is that token.
            if not c.disowns and not (c.chain and self.canonical.lookup(c.chain, c.address))
        ]
        found: dict[tuple[str, str, bool], _Said] = {}
        for claim in claims + titled:
            said = self._check(claim)
            if said is not None:
                found.setdefault((said[0].address, said[1], said[3]), said)
        return tuple(found.values())

    def _check(self, claim: Claim) -> _Said | None:
        address = to_checksum_address(claim.address.lower())
        if claim.disowns:
            token = self._listed_at(address, claim.chain)
            if token is None or (claim.symbol and claim.symbol != token.symbol):
                return None
            return (token, address, claim.sentence, True)
        same = self.by_symbol.get(claim.symbol, [])
        if claim.chain is not None:
            same = [t for t in same if t.chain == claim.chain]
        if not same or any(t.address.lower() == address.lower() for t in same):
            return None  # the list says nothing of it there, or agrees
        token = next((t for t in same if t.chain == self.default_chain), same[0])
        return (token, address, claim.sentence, False)

    def _listed_at(self, address: str, chain: str | None) -> KnownToken | None:
        if chain is not None:
            return self.canonical.lookup(chain, address)
        return self.canonical.anywhere(address)

    def asked(self, question: str) -> set[str]:
        """Symbols of listed tokens a question names (any case for three letters and more)."""
        found = set()
        for word in re.findall(_QUESTION_WORD, question):
            bare = word.lstrip("$")
            if bare in self.by_symbol and len(bare) >= 2:
                found.add(bare)
            elif bare.upper() in self._upper and (word.startswith("$") or not is_common(bare)):
                found.add(self._upper[bare.upper()])  # "usdc", not "keep" or "safe"
        low = f" {' '.join(re.findall(_QUESTION_WORD, question.lower()))} "
        found |= {s for n, s in self._names.items() if f" {n} " in low}
        return found

    def review(
        self,
        question: str,
        hits: list[ScoredChunk],
        filters: dict[str, Any] | None = None,
        standalone: str | None = None,
    ) -> Review:
        """The disputes among an answer's retrieved chunks, and which of them were asked about.

        `standalone` is the follow-up rewritten with its history: it says which token is asked
        for, but only the user's own words make an address theirs.
        """
        found: dict[tuple[str, str, str, bool], Dispute] = {}
        for hit in hits:
            for dispute in self.disputes(hit.chunk):
                found.setdefault(dispute.key, dispute)
        disputes = list(found.values())
        asked_in = standalone or question
        symbols = self.asked(asked_in)
        wanted = filters.get("chain") if filters else None
        named = [wanted] if isinstance(wanted, str) else [str(c) for c in wanted or []]
        chains = set(named) or {c.name for c in chains_in(asked_in)}
        asked = [
            d
            for d in disputes
            if d.token.symbol in symbols and (not chains or d.token.chain in chains)
        ]
        listed = {a for _, a in self.canonical.by_address}
        return Review(self.canonical.source, disputes, asked, question, listed)


@dataclass
class Review:
    """One answer's disputes with the list, and how the answer reports them."""

    list_name: str
    disputes: list[Dispute]
    asked: list[Dispute]  # those about a token the question asks for
    question: str
    listed: set[str] = field(default_factory=set)  # every address of the list, lower-case
    source: Source | None = field(default=None)

    def cite(self, index: int) -> Source | None:
        """The curated list as a numbered source when any document contradicts it."""
        if not self.disputes:
            return None
        self.source = Source(
            index,
            f"token list: {self.list_name}",
            f"{self.list_name} (curated token list)",
            None,
            1.0,
            trust="curated",
        )
        return self.source

    @property
    def ref(self) -> str:
        """ " [n]" pointing at the list, once it is a source."""
        return f" [{self.source.index}]" if self.source else ""

    @property
    def disputed(self) -> set[str]:
        """Lower-case addresses documents give listed tokens against the list."""
        return {d.claimed.lower() for d in self.disputes if not d.disowns}

    @property
    def disputing(self) -> set[str]:
        """Keys of the documents that contradict the list."""
        return {d.chunk.doc_id for d in self.disputes}

    def ground(self, known: set[str]) -> set[str]:
        """Addresses an answer may give in full: the list's, and not a disputed one unless the
        user wrote it or the list has it (as another token, or on another chain)."""
        own = {a.lower() for a in ADDRESS_RE.findall(self.question)}
        cited = {d.token.address.lower() for d in self.disputes}
        return (known - (self.disputed - own - self.listed)) | cited

    def contradicts(self, sentence: str, chunk: Chunk) -> bool:
        """Whether a sentence of a document is one of its claims against the list."""
        if chunk.doc_id not in self.disputing:
            return False
        low = sentence.lower()
        return any(
            d.chunk.doc_id == chunk.doc_id and d.claimed.lower() in low for d in self.disputes
        )

    def against(self, address: str, chains: list[str]) -> list[Dispute]:
        """Disputes that give this address, on these chains, to a token the list has elsewhere."""
        return [
            d
            for d in self.disputes
            if not d.disowns and d.claimed == address and d.token.chain in chains
        ]

    def of_token(self, token: KnownToken) -> list[Dispute]:
        """Disputes about this listed token on its chain."""
        return [d for d in self.disputes if d.token == token]

    def warning(self, d: Dispute, index: dict[str, int]) -> str:
        """One dispute as a warning naming the list's address."""
        n = index.get(d.chunk.doc_id)
        who = (
            f"[{n}]"
            if n
            else _("a document ({source})").format(source=sanitise(d.chunk.source, limit=200))
        )
        who += f" ({trust_label(d.chunk.trust)})"
        t = d.token
        where = chain_label(t.chain)
        lst = _("the curated token list ({list}){ref}").format(
            list=sanitise(self.list_name, limit=100), ref=self.ref
        )
        if d.disowns:
            return _(
                "{who} calls {address} deprecated or no longer {symbol}: that contradicts "
                "{list}, which gives {address} for {symbol} on {chain}; the document is "
                "not followed"
            ).format(who=who, address=t.address, symbol=t.symbol, list=lst, chain=where)
        return _(
            "{who} gives {claimed} as {symbol} on {chain}: that contradicts {list}, "
            "which gives {symbol} on {chain} at {address}; the document is not followed: "
            "do not send {symbol} to {claimed}"
        ).format(
            who=who,
            claimed=short(d.claimed),
            symbol=t.symbol,
            chain=where,
            list=lst,
            address=t.address,
        )

    def warnings(self, index: dict[str, int]) -> list[str]:
        """Every dispute as a warning, in the order found."""
        return [self.warning(d, index) for d in self.disputes]

    def identity(self, token: KnownToken) -> str:
        """What the list says a token is: its name, symbol, chain and address, cited."""
        name = sanitise(token.name, limit=100)
        symbol = sanitise(token.symbol, limit=30)
        return _(
            "{name} ({symbol}) on {chain} is {address} in the curated token list ({list}){ref}"
        ).format(
            name=name,
            symbol=symbol,
            chain=chain_label(token.chain),
            address=token.address,
            list=sanitise(self.list_name, limit=100),
            ref=self.ref,
        )

    def lead(self, index: dict[str, int], prompts: Prompts) -> str:
        """The block that leads an answer asking for a token a document contradicts the list on."""
        tokens = list(dict.fromkeys(d.token for d in self.asked))
        parts = [
            prompts.render(
                "address_answer",
                header=f"**{self.identity(t)}**",
                lines=_("- Where documents disagree with it, the curated token list is followed."),
                warnings="\n".join(
                    _("- Warning: {warning}").format(warning=self.warning(d, index))
                    for d in self.of_token(t)
                ),
            ).strip()
            for t in tokens
        ]
        return "\n\n".join(parts)

    def note(self, text: str, index: dict[str, int]) -> str:
        """What a model's answer must end with: the disputes it touches or was asked about."""
        low = text.lower()
        touched = [
            d
            for d in self.disputes
            if d in self.asked or short(d.claimed).lower() in low or d.claimed.lower() in low
        ]
        if not touched:
            return ""
        lines = [f"- {self.warning(d, index)}" for d in touched]
        title = _("**The curated token list contradicts a source:**")
        return f"\n\n{title}\n" + "\n".join(lines)

    def prompt(self, index: dict[str, int], prompts: Prompts) -> str:
        """The fenced block telling the model what the list confirms and who contradicts it."""
        if not self.disputes:
            return ""
        tokens = list(dict.fromkeys(d.token for d in self.disputes))
        confirmed = "\n".join(f"- {self.identity(t)}" for t in tokens)
        against = "\n".join(f"- {self._claim(d, index)}" for d in self.disputes)
        return prompts.render(
            "token_list",
            list_name=sanitise(self.list_name, limit=100),
            index=self.source.index if self.source else "",
            confirmed=confirmed,
            disputed=against,
        )

    def _claim(self, d: Dispute, index: dict[str, int]) -> str:
        n = index.get(d.chunk.doc_id)
        who = f"document [{n}]" if n else "a document"
        t = d.token
        what = (
            f"calls the list's {t.symbol} address {t.address} deprecated"
            if d.disowns
            else f"gives {d.claimed} as {t.symbol} on {chain_label(t.chain)}"
        )
        return (
            f"{who} (trust: {d.chunk.trust}) {what}: FALSE by the list, which gives "
            f"{t.symbol} on {chain_label(t.chain)} at {t.address}"
        )


def by_trust(chunks: list[Chunk], review: Review | None) -> list[Chunk]:
    """Documents that do not contradict the list, most trusted first (stable otherwise)."""
    out = [c for c in chunks if review is None or c.doc_id not in review.disputing]
    return sorted(out, key=lambda c: -rank(c.trust))
