"""The address block: what an address is, where, its live state and the warnings that matter.

Built from facts only (the retrieved documents about the address, the live lookups and the
curated token list), so it reads the same with or without a language model: it leads the
extractive answer, and goes fenced into the hidden prompt for the model to state.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from app.chain.checks.report import check_lines
from app.chain.facts import ContractFacts
from app.evm.chains import label
from app.i18n.catalog import _
from app.kb.models import Chunk
from app.kb.retriever import Retrieval
from app.rag.address_kb import KnownAddress, describe
from app.rag.authority import Review, by_trust
from app.rag.context import Source, sanitise
from app.rag.notices import not_read_line, not_read_warning
from app.rag.onchain import OnchainFacts, onchain_block
from app.rag.prompts import Prompts

# Questions that ask for a verdict the service cannot give.
_SAFETY = re.compile(
    r"\b(safe|safety|scam|scams|legit|legitimate|trust|trusted|trustworthy|rug|rugpull|risky?"
    r"|honeypot|fraud|malicious|dangerous)\b",
    re.IGNORECASE,
)
# The same, asked in Chinese (no word boundaries between Han characters).
_SAFETY_ZH = re.compile(
    r"安全|骗局|诈骗|骗子|靠谱|可信|可靠|信任|跑路|貔貅|风险|危险|恶意|钓鱼|假币"
)
_MAX_ADDRESSES = 3
_MAX_SIBLINGS = 5
_MAX_CLAUSE = 400


@dataclass(frozen=True)
class AddressEvidence:
    """What the address block is built from: the question's retrieval (its addresses and the
    documents about them), the live lookups, the numbered sources, the warnings so far, the
    caller's filters and what the curated token list says against the documents."""

    question: str
    retrieval: Retrieval
    facts: list[ContractFacts]
    sources: list[Source]
    warnings: list[str]
    filters: dict[str, Any] | None = None
    review: Review | None = None


@dataclass
class AddressBlock:
    """The facts about one address, as lines a person reads in a few seconds."""

    address: str
    chain: str
    header: str
    lines: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def asks_for_verdict(question: str) -> bool:
    """Whether the question asks if something is safe, a scam or trustworthy."""
    return bool(_SAFETY.search(question) or _SAFETY_ZH.search(question))


def _account(facts: ContractFacts | None) -> str:
    if facts is None:
        return _("not read")
    if facts.account_type == "eoa":
        return _("an externally owned account: one private key")
    if facts.account_type == "empty":
        return _("no code: nothing deployed there")
    return _("a contract")


def _elsewhere(chain: str, title: str, n: int | None) -> str:
    """A document about the address on another chain: the same token, or another one."""
    where = label(chain)
    name = sanitise(title, limit=200)
    text = name if where.lower() in title.lower() else f"{where}: {name}"
    return text + (f" [{n}]" if n else "")


def _live_summary(facts: ContractFacts) -> str:
    """The inspector's sentences without its warnings (those are listed on their own)."""
    warning = _("Warning: {warning}").split("{")[0]
    lines = [s for s in facts.summary(with_block=False).splitlines() if not s.startswith(warning)]
    return sanitise(" ".join(lines), limit=1200)


class AddressFacts:
    """Builds the address blocks of one answer from its retrieval, lookups and sources."""

    def __init__(
        self,
        onchain: OnchainFacts | None,
        default_chain: str = "ethereum",
        review: Review | None = None,
    ) -> None:
        self.onchain = onchain
        self.default_chain = onchain.default_chain if onchain else default_chain
        # What documents say against the curated token list: reported, never followed.
        self.review = review

    def blocks(self, ev: AddressEvidence) -> list[AddressBlock]:
        """One block per usable address of the question."""
        addresses = [a.checksum for a in ev.retrieval.addresses if a.status != "invalid"]
        # Documents by their key (same-named files stay apart), lookups by chain:address.
        index = {s.doc_id or s.source: s.index for s in ev.sources}
        return [self._block(a, ev, index) for a in addresses[:_MAX_ADDRESSES]]

    def _chains(self, address: str, known: KnownAddress, ev: AddressEvidence) -> list[str]:
        if self.onchain is not None:
            return self.onchain.chains_for(address, ev.retrieval, ev.filters)
        return ev.retrieval.chains[:1] or known.chains[:1] or [self.default_chain]

    def _block(self, address: str, ev: AddressEvidence, index: dict[str, int]) -> AddressBlock:
        known = describe(address, ev.retrieval.hits)
        live = [f for f in ev.facts if f.address == address]
        chains = [f.chain for f in live] or self._chains(address, known, ev)
        chain = chains[0]
        main = self._main(known, chain)
        block = AddressBlock(address, chain, "")
        where = _(" and ").join(label(c) for c in chains)
        cite = ""
        if main is not None:
            n = index.get(main.doc_id)
            cite = f" [{n}]" if n else ""
            what = sanitise(main.title, limit=200)
            if main.protocol and main.protocol.lower() not in main.title.lower():
                what += f", {sanitise(main.protocol, limit=100)}"
            if not known.subject:
                what = _("named in {what}").format(what=what)
            placed = [c for c, d in known.by_chain.items() if d is main]
            if placed and placed[0] not in chains:
                # Asked on a chain where no document puts it: say so before the one elsewhere.
                what = _("no document puts it there; {chain}: {what}").format(
                    chain=label(placed[0]), what=what
                )
            block.header = _("**{address}** on {where}: {what}{cite}").format(
                address=address, where=where, what=what, cite=cite
            )
            said = known.clause(main)
            if said:
                clause = sanitise(said, limit=_MAX_CLAUSE)
                block.lines.append(
                    _("What the knowledge base says: {clause}{cite}").format(
                        clause=clause, cite=cite
                    )
                )
        else:
            block.header = _("**{address}** on {where}: not in the knowledge base").format(
                address=address, where=where
            )
        contradicted = self.review is not None and self._against_list(
            block, address, chains, index, self.review
        )
        listed = self._listed(address, chains)
        if listed and main is None:
            block.lines.append(listed)
        others = [
            _elsewhere(c, d.title, index.get(d.doc_id))
            for c, d in known.by_chain.items()
            if c not in chains
        ]
        if others:
            block.lines.append(_("At the same address on other chains: ") + "; ".join(others))
        # A live read carries the lookalike warning among its own; without one, it is said here.
        imitated = None if live else self._lookalike(address, chain)
        if imitated:
            block.warnings.insert(0, imitated)
        for f in live:
            block.lines.extend(self._live(f, ev.facts, index, block.warnings))
        if not live:
            block.lines.append(self._not_read(address, chain, ev.warnings, main is not None))
        disputed = self.review.disputed if self.review else set()
        siblings = [
            f"{label(m.chain or '')} {m.address} [{index[m.chunk.doc_id]}]"
            # The version on the chain asked about first: "and on Base?" wants Base's.
            for m in sorted(known.siblings, key=lambda m: m.chain != chain)[:_MAX_SIBLINGS]
            if m.chunk.doc_id in index and m.address.lower() not in disputed
        ]
        if siblings:
            block.lines.append(_("The same asset on other chains: ") + "; ".join(siblings))
        if main is None and not listed and not contradicted:
            listed_in = f" ({self.onchain.canonical.source})" if self.onchain else ""
            block.warnings.append(
                _(
                    "{address} is in neither the knowledge base nor the curated token list"
                    "{list}: nothing here says what it is, and a name or symbol it reports "
                    "proves nothing"
                ).format(address=address, list=listed_in)
            )
        return block

    def _main(self, known: KnownAddress, chain: str) -> Chunk | None:
        """The document the block rests on: the most trusted that does not contradict the list."""
        main = known.main(chain)
        if self.review is None or main is None:
            return main
        ordered = by_trust([main, *known.subject, *known.mentions], self.review)
        return ordered[0] if ordered else None

    def _against_list(
        self,
        block: AddressBlock,
        address: str,
        chains: list[str],
        index: dict[str, int],
        review: Review,
    ) -> bool:
        """The list leads where a document contradicts it on this address; True when one does."""
        where = _(" and ").join(label(c) for c in chains)
        against = review.against(address, chains)
        if against:
            # A document gives this address to a listed token: the list says it is not that.
            token = against[0].token
            block.header = _(
                "**{address}** on {where}: not {symbol} by the curated token list; {identity}"
            ).format(
                address=address,
                where=where,
                symbol=sanitise(token.symbol, limit=30),
                identity=review.identity(token),
            )
            block.lines = []
        listed = (
            next((t for c in chains if (t := self.onchain.canonical.lookup(c, address))), None)
            if self.onchain
            else None
        )
        disputes = against + (review.of_token(listed) if listed else [])
        if listed and disputes and not against:
            block.lines.insert(0, review.identity(listed))
        unique = {d.key: d for d in disputes}.values()
        block.warnings.extend(review.warning(d, index) for d in unique)
        return bool(disputes)

    def _lookalike(self, address: str, chain: str) -> str | None:
        """A loud warning when the address imitates one the service knows (address poisoning)."""
        if self.onchain is None:
            return None
        check = self.onchain.contracts.known.check(address, chain)
        return sanitise(check.told(), limit=1200) if check.status == "found" else None

    def _listed(self, address: str, chains: list[str]) -> str | None:
        if self.onchain is None:
            return None
        for chain in chains:
            token = self.onchain.canonical.lookup(chain, address)
            if token:
                return _("The {list} token list names it {name} ({symbol}) on {chain}").format(
                    list=sanitise(self.onchain.canonical.source, limit=100),
                    name=sanitise(token.name, limit=100),
                    symbol=sanitise(token.symbol, limit=30),
                    chain=label(chain),
                )
        return None

    def _live(
        self,
        f: ContractFacts,
        facts: list[ContractFacts],
        index: dict[str, int],
        warnings: list[str],
    ) -> list[str]:
        def cite(x: ContractFacts) -> str:
            n = index.get(f"{x.chain}:{x.address}")
            return f" [{n}]" if n else ""

        lines = [
            _("Live on {chain}, read at block {block}{cite}: {summary}").format(
                chain=f.chain, block=f.block_number, cite=cite(f), summary=_live_summary(f)
            )
        ]
        # The token-risk checks: found risks first, then what was checked and what could not be.
        lines += [sanitise(x, limit=1200) for x in check_lines(f, cite(f), skip=("lookalike",))]
        warnings.extend(sanitise(w, limit=600) for w in f.warnings)
        if f.proxy is None or f.proxy.standard == "eip1167":
            return lines
        by_address = {x.address: x for x in facts if x.chain == f.chain}
        p = f.proxy
        first = p.admin or p.beacon or f.owner
        if first is None:
            lines.append(
                _(
                    "Who can upgrade it: not found (no admin slot, no beacon and no owner()); "
                    "the implementation decides"
                )
            )
            return lines
        role = _("proxy admin") if p.admin else _("beacon") if p.beacon else _("owner")
        held = by_address.get(first)
        text = _("Who can upgrade it: the {role} {address}, {account}").format(
            role=role, address=first, account=_account(held)
        )
        text += cite(held) if held else ""
        final = held
        if held is not None and held.is_contract and held.owner:
            owner = by_address.get(held.owner)
            text += _(", owned by {address}, {account}").format(
                address=held.owner, account=_account(owner)
            ) + (cite(owner) if owner else "")
            final = owner
        lines.append(text)
        if final is not None and final.account_type == "eoa":
            warnings.append(
                _(
                    "this is an upgradeable proxy and one externally owned account ({address}) "
                    "controls its upgrades: whoever holds that key can change the code at any time"
                ).format(address=final.address)
            )
        return lines

    @staticmethod
    def _not_read(address: str, chain: str, warnings: list[str], from_kb: bool) -> str:
        prefix = not_read_warning(address, label(chain), "")
        reason = next((w[len(prefix) :] for w in warnings if w.startswith(prefix)), None)
        why = reason or _("no on-chain lookup was made")
        # Said of the knowledge base only when the block has something from it.
        return not_read_line(label(chain), why, from_kb)

    def render(self, question: str, blocks: list[AddressBlock], prompts: Prompts) -> str:
        """The block that leads an extractive answer."""
        if not blocks:
            return ""
        parts = [
            prompts.render(
                "address_answer",
                header=b.header,
                lines="\n".join(f"- {line}" for line in b.lines),
                warnings="\n".join(
                    _("- Warning: {warning}").format(warning=w) for w in dict.fromkeys(b.warnings)
                ),
            ).strip()
            for b in blocks
        ]
        if asks_for_verdict(question):
            parts.append(prompts.render("address_safety"))
        return "\n\n".join(parts)


def address_lead(ev: AddressEvidence, onchain: OnchainFacts | None, prompts: Prompts) -> str:
    """The address block that leads an extractive answer ("" when the question has none)."""
    builder = AddressFacts(onchain, review=ev.review)
    return builder.render(ev.question, builder.blocks(ev), prompts)


def onchain_prompt(ev: AddressEvidence, onchain: OnchainFacts | None, prompts: Prompts) -> str:
    """The on-chain block of the hidden prompt: the address facts, then each live lookup."""
    lead = address_lead(ev, onchain, prompts)
    looked_up = {f"{f.chain}:{f.address}" for f in ev.facts}
    live = onchain_block(ev.facts, [s for s in ev.sources if s.source in looked_up], prompts)
    return f"{prompts.render('address_facts', facts=lead)}\n\n{live}" if lead else live
