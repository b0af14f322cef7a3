"""Question/answer pairs from the structured facts in the knowledge base; no LLM needed."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, ClassVar

from app.evm.addresses import ADDRESS
from app.evm.chains import label
from app.kb.models import Chunk
from finetune.generators.base import Context, Work, run_units
from finetune.journal import Journal
from finetune.records import Provenance, Record

_TITLE = re.compile(r"^(?P<name>.+) \((?P<symbol>[^()]+)\) on (?P<chain>.+)$")
_REGISTRY_LINE = re.compile(rf"contract(?: on (?P<chain>[\w-]+))?: (?P<address>{ADDRESS})")

QA = tuple[str, str, list[tuple[str, str]]]  # question, answer, history


@dataclass(frozen=True)
class Token:
    """A token card: one asset at one address on one chain."""

    address: str
    chain: str
    name: str
    symbol: str
    decimals: int | None
    listed_by: str | None
    doc_id: str


def _cases(address: str, n: int) -> str:
    """Phrasing n writes the address in EIP-55 (even n) or lower case (odd n)."""
    return address if n % 2 == 0 else address.lower()


def _a(word: str) -> str:
    """The word with its indefinite article."""
    return f"{'an' if word[:1].lower() in 'aeiou' else 'a'} {word}"


def _cited(address: str, asked: str) -> str:
    """How an answer names an address: always EIP-55, noting it when the question was not."""
    return address if asked == address else f"{address} (the EIP-55 form of {asked})"


def token_of(chunks: list[Chunk]) -> Token | None:
    """The token a card describes, from a token list entry or a token document's front matter."""
    c = chunks[0]
    meta: dict[str, Any] = c.metadata
    listed = meta.get("listed") if isinstance(meta.get("listed"), dict) else {}
    symbol = (listed or {}).get("symbol") or meta.get("symbol")
    addresses = c.subject_addresses or c.addresses
    if not symbol or not c.chain or len(addresses) != 1:
        return None
    title = _TITLE.match(c.title)
    name = (listed or {}).get("name") or (title["name"] if title else str(symbol))
    decimals = (listed or {}).get("decimals", meta.get("decimals"))
    return Token(
        address=addresses[0],
        chain=c.chain,
        name=str(name),
        symbol=str(symbol),
        decimals=decimals if isinstance(decimals, int) else None,
        listed_by=(listed or {}).get("list") or meta.get("token_list"),
        doc_id=c.doc_id,
    )


def token_pairs(t: Token) -> Iterator[QA]:
    """Address to token, symbol on a chain to address, decimals (also as a follow-up)."""
    chain = label(t.chain)
    by = f" in the {t.listed_by} token list" if t.listed_by else ""
    for n, q in enumerate(
        (
            "What token is at {a} on {c}?",
            "Which token contract is {a} on {c}?",
            "I found {a} on {c}. What is it?",
        )
    ):
        a = _cases(t.address, n)
        yield (
            q.format(a=a, c=chain),
            f"{_cited(t.address, a)} on {chain} is {t.name} ({t.symbol}){by}.",
            [],
        )
    for q in ("What is the address of {s} on {c}?", "Where is the {n} token contract on {c}?"):
        yield (
            q.format(s=t.symbol, n=t.name, c=chain),
            f"{t.name} ({t.symbol}) on {chain} is at {t.address}{by}. Anyone can deploy a token "
            f"called {t.symbol}, so check the address, not the symbol.",
            [],
        )
    if t.decimals is not None:
        a = t.address.lower()
        yield (
            f"How many decimals does the {t.symbol} token at {a} on {chain} use?",
            f"{t.name} ({t.symbol}) at {_cited(t.address, a)} on {chain} uses {t.decimals} "
            "decimals.",
            [],
        )
        first = f"What token is at {t.address} on {chain}?"
        yield (
            "How many decimals does it have?",
            f"{t.decimals}: amounts of {t.symbol} at {t.address} are counted in units of "
            f"10^-{t.decimals}.",
            [(first, f"{t.address} on {chain} is {t.name} ({t.symbol}){by}.")],
        )


def other_chains(tokens: list[Token]) -> Iterator[QA]:
    """The same asset's addresses on each chain it is listed on."""
    t = tokens[0]
    lines = "\n".join(f"- {label(x.chain)}: {x.address}" for x in tokens)
    for x in tokens:
        yield (
            f"{t.name} ({t.symbol}) is at {x.address} on {label(x.chain)}. "
            "Where is it on other chains?",
            f"The knowledge base lists {t.name} ({t.symbol}) at these addresses:\n{lines}",
            [],
        )
    yield (
        f"On which chains is {t.name} ({t.symbol}) deployed, and at which addresses?",
        f"{t.name} ({t.symbol}) is listed on {len(tokens)} chains:\n{lines}",
        [],
    )


def registry_pairs(chunks: list[Chunk]) -> Iterator[QA]:
    """A protocol registry entry: what it is, its contracts, and each address's protocol."""
    c = chunks[0]
    name = c.protocol or c.title
    text = "\n".join(x.text for x in chunks)
    pairs = []
    for m in _REGISTRY_LINE.finditer(text):
        chain = m["chain"] or c.chain
        if m["address"] in c.subject_addresses or m["address"].lower() in {
            a.lower() for a in c.subject_addresses
        }:
            pairs.append((chain, m["address"]))
    prose = " ".join(line for line in text.splitlines() if not _REGISTRY_LINE.search(line)).strip()
    if prose:
        yield f"What is {name}?", prose, []
    if pairs:
        lines = "\n".join(f"- {label(ch) if ch else 'address'}: {a}" for ch, a in pairs)
        yield f"What are the contract addresses of {name}?", f"{name} contracts:\n{lines}", []
    for chain, address in pairs:
        where = f" on {label(chain)}" if chain else ""
        for n, q in enumerate(("Which protocol is {a}{w}?", "What is the contract at {a}{w}?")):
            a = _cases(address, n)
            yield q.format(a=a, w=where), f"{_cited(address, a)}{where} is the {name} contract.", []


def card_pairs(chunks: list[Chunk]) -> Iterator[QA]:
    """A contract card read on chain: its proxy and standards."""
    c = chunks[0]
    meta = c.metadata
    if not meta.get("contract_card") or not c.chain or not c.subject_addresses:
        return
    address, chain = c.subject_addresses[0], label(c.chain)
    impl = meta.get("implementation")
    standards = [str(s).upper().replace("ERC", "ERC-") for s in meta.get("standards") or []]
    if impl:
        yield (
            f"Is {address} on {chain} a proxy?",
            f"Yes: {address} on {chain} is a proxy; its implementation is {impl}.",
            [],
        )
    elif "block_number" in meta:
        yield f"Is {address} on {chain} a proxy?", f"No proxy was detected at {address}.", []
    if standards:
        yield (
            f"Which token standards does {address.lower()} on {chain} implement?",
            f"{_cited(address, address.lower())} on {chain} implements {', '.join(standards)}.",
            [],
        )


def subject_pairs(chunks: list[Chunk]) -> Iterator[QA]:
    """A document about addresses (front matter): each address's protocol and document."""
    c = chunks[0]
    where = f" on {label(c.chain)}" if c.chain else ""
    for address in c.subject_addresses:
        for n, q in enumerate(("What is {a}{w}?", "Which project does {a} belong to?")):
            a = _cases(address, n)
            whose = f"{_a(c.protocol)} contract{where}" if c.protocol else f"a contract{where}"
            yield (
                q.format(a=a, w=where),
                (
                    f"{_cited(address, a)} is {whose}; the knowledge base describes it in "
                    f"“{c.title}”."
                ),
                [],
            )


def document_pairs(chunks: list[Chunk]) -> list[QA]:
    """Every pair one document yields, by what kind of facts it holds."""
    c = chunks[0]
    token = token_of(chunks)
    if token is not None:
        return list(token_pairs(token)) + list(card_pairs(chunks))
    if c.metadata.get("contract_card"):
        return list(card_pairs(chunks))
    if c.type == "protocol" and "category" in c.metadata and "#" in c.doc_id:
        return list(registry_pairs(chunks))
    return list(subject_pairs(chunks))


def _record(qa: QA, chunks: list[Chunk], detail: str) -> Record:
    question, answer, history = qa
    return Record(
        instruction=question,
        output=answer,
        history=history,
        provenance=Provenance(
            generator=TemplatesGenerator.name,
            chunk_ids=[c.id for c in chunks],
            doc_ids=sorted({c.doc_id for c in chunks}),
            sources=sorted({c.source for c in chunks}),
            doc=chunks[0].doc_id,
            doc_source=chunks[0].source,
            detail=detail,
        ),
    )


class TemplatesGenerator:
    """Token cards, registry entries, contract cards and documents about addresses."""

    name: ClassVar[str] = "templates"
    needs_llm: ClassVar[bool] = False

    async def generate(self, ctx: Context, journal: Journal, count: int | None) -> Work:
        """One unit per document, and one per asset listed on several chains."""
        docs = ctx.kb.by_document()
        tokens: dict[tuple[str, str], list[Token]] = defaultdict(list)
        for chunks in docs.values():
            t = token_of(chunks)
            if t is not None:
                tokens[(t.name.casefold(), t.symbol.casefold())].append(t)

        def of_document(doc_id: str) -> Any:
            async def work() -> Work:
                chunks = docs[doc_id]
                return [_record(qa, chunks, "document") for qa in document_pairs(chunks)], Counter()

            return work

        def of_asset(group: list[Token]) -> Any:
            async def work() -> Work:
                chunks = [c for t in group for c in docs[t.doc_id]]
                return [
                    _record(qa, chunks, "other chains") for qa in other_chains(group)
                ], Counter()

            return work

        units = [(f"doc:{d}", of_document(d)) for d in sorted(docs)]
        units += [
            (f"asset:{n}:{s}", of_asset(sorted(g, key=lambda t: t.chain)))
            for (n, s), g in sorted(tokens.items())
            if len({t.chain for t in g}) > 1
        ]
        return await run_units(self.name, units, journal, ctx.options.progress)
