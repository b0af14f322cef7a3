"""Contract cards: documents about one address, from `chain:address` entries or token lists."""

from __future__ import annotations

import logging
import re
from typing import Any

from app.chain.facts import ContractFacts
from app.chain.inspector import Inspector, chain_name, parse_address
from app.chain.untrusted import clean
from app.core.errors import AppError, UpstreamUnavailable
from app.evm.addresses import ADDRESS
from app.evm.chains import BY_ID
from app.evm.chains import label as chain_label
from app.kb.models import Document

log = logging.getLogger(__name__)

CARD = "contract_card"
_REF = re.compile(rf"^(?P<chain>[A-Za-z0-9_-]{{1,40}}):(?P<address>{ADDRESS})$")


class CardError(Exception):
    """A card that cannot be written now; the stored one, if any, is kept."""


def is_ref(text: str) -> bool:
    """Whether a CLI argument or list line is a `chain:address` entry."""
    return bool(_REF.match(text.strip()))


def ref_document(text: str, origin: str | None = None) -> Document:
    """An unread card for a `chain:address` entry; origin is the list file it came from."""
    match = _REF.match(text.strip())
    if not match:
        raise ValueError(f"{text[:80]!r} is not chain:0x-address")
    chain = chain_name(match["chain"])
    try:
        address, _ = parse_address(match["address"])
    except AppError as exc:
        raise ValueError(exc.message) from None
    return _card(chain, address, None, origin)


def parse_list(raw: str, origin: str) -> list[Document]:
    """A `.contracts` file: one `chain:address` per line, # comments."""
    docs = []
    for n, line in enumerate(raw.splitlines(), 1):
        line = line.split("#", 1)[0].strip()
        if line:
            try:
                docs.append(ref_document(line, origin))
            except ValueError as exc:
                raise ValueError(f"line {n}: {exc}") from None
    return docs


def tokenlist_documents(data: dict[str, Any], origin: str) -> list[Document]:
    """Cards for the tokens of a list in the Uniswap token-list schema, on known chains."""
    list_name = clean(str(data.get("name") or "token list"), limit=80, label="list name").text
    docs, unknown = [], 0
    for token in data.get("tokens", []):
        if not isinstance(token, dict) or token.get("chainId") not in BY_ID:
            unknown += 1
            continue
        try:
            address, _ = parse_address(str(token.get("address", "")))
        except AppError:
            unknown += 1
            continue
        listed = {
            "list": list_name,
            "name": clean(str(token.get("name") or ""), limit=64, label="name").text,
            "symbol": clean(str(token.get("symbol") or ""), limit=16, label="symbol").text,
            "decimals": token.get("decimals") if isinstance(token.get("decimals"), int) else None,
        }
        docs.append(_card(BY_ID[token["chainId"]].name, address, listed, origin))
    if unknown:
        log.info("%s: %d tokens on unknown chains or with bad addresses skipped", origin, unknown)
    return docs


def _card(chain: str, address: str, listed: dict[str, Any] | None, origin: str | None) -> Document:
    key = f"{chain}:{address}"
    meta: dict[str, Any] = {CARD: True, "listed": listed} if listed else {CARD: True}
    unread = Document(
        doc_id=f"{origin}#{key}" if origin else f"contract:{key}",
        source=key,
        title=f"Contract {address} on {chain_label(chain)}",
        text="",
        type="contract",
        chain=chain,
        addresses=[address],
        metadata=meta,
    )
    return render(unread, None, None if listed else "not read yet")


class CardWriter:
    """Fills cards with live chain state; without an RPC URL, with what the list says."""

    def __init__(self, inspector: Inspector) -> None:
        self.inspector = inspector

    def __call__(self, doc: Document) -> Document:
        """The card's final text; raises CardError when the chain could not be read now."""
        if not doc.metadata.get(CARD):
            return doc
        address, chain = doc.addresses[0], doc.chain or ""
        listed = doc.metadata.get("listed")
        try:
            facts: ContractFacts | None = self.inspector.inspect(chain, address)
            note = None
        except UpstreamUnavailable as exc:  # no RPC URL: the list's own data is all there is
            if not listed:
                raise CardError(exc.message) from None
            facts, note = None, exc.message
        except AppError as exc:  # the node is down or wrong: keep the stored card
            raise CardError(exc.message) from None
        return render(doc, facts, note)


def render(doc: Document, facts: ContractFacts | None, note: str | None) -> Document:
    """Title, text and metadata of a card from the list entry and the chain's facts."""
    address, chain = doc.addresses[0], doc.chain or ""
    listed: dict[str, Any] = doc.metadata.get("listed") or {}
    token = facts.token if facts else None
    name = listed.get("name") or (token.name if token else None)
    symbol = listed.get("symbol") or (token.symbol if token else None)
    title = f"{name} ({symbol}) on {chain_label(chain)}" if name and symbol else doc.title
    lines = []
    if listed:
        decimals = listed.get("decimals")
        lines.append(
            f"The {listed.get('list')} token list names {address} on {chain_label(chain)} "
            f"{name} ({symbol})" + (f", with {decimals} decimals." if decimals is not None else ".")
        )
    meta: dict[str, Any] = {**doc.metadata}
    if facts:
        lines.append(facts.summary(with_block=False))
        meta.update(
            block_number=facts.block_number,
            standards=list(facts.standards),
            implementation=facts.proxy.implementation if facts.proxy else None,
        )
        if token and token.symbol:
            meta["symbol"] = token.symbol
    if note:
        lines.append(f"On-chain state not read: {note}")
    return doc.model_copy(update={"title": title[:300], "text": "\n".join(lines), "metadata": meta})
