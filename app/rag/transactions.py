"""Transaction hashes in a question: explained from the node, as sources, prompt facts and text."""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from typing import Any

import anyio

from app.chain.tx.hashes import find_tx_hashes
from app.chain.tx.models import Sentence, TransactionFacts
from app.chain.tx.service import TransactionExplainer
from app.core.errors import AppError
from app.evm.addresses import ADDRESS_RE
from app.evm.chains import label
from app.i18n.catalog import _
from app.kb.retriever import Retrieval
from app.rag.context import Source, sanitise
from app.rag.prompts import Prompts

log = logging.getLogger(__name__)

# A later question about the transaction asked before ("and who received the tokens?", "why did
# it fail?"): it names no hash or address of its own and points at the transaction's parts.
_ABOUT_IT = re.compile(
    r"\b(it|its|this|that|the (transaction|tx|transfer|tokens?|nfts?|approval|allowance|call|"
    r"revert|error|swap|fee|gas|sender|recipient|receiver|spender|value|amount|eth))\b"
    r"|\b(receiv\w*|sent|send|spend\w*|approv\w*|fail\w*|revert\w*|paid|pay|cost|moved?)\b"
    r"|^\s*(and|what about|how about)\b",
    re.IGNORECASE,
)

# How a token symbol is written: capitals and digits, short ("FIX", "USDC.e" aside).
_SYMBOL = re.compile(r"[A-Z][A-Z0-9]{1,9}")


def hashes_asked(question: str, said: list[str], names: Sequence[str] = ()) -> list[str]:
    """The hashes the question names, else those of the last user turn that named one when the
    question follows up on it without naming anything else. `names`: the proper names it uses;
    a protocol's ("Uniswap") starts a subject of its own, a symbol ("FIX") may be the
    transaction's token."""
    own = find_tx_hashes(question)
    other = any(not _SYMBOL.fullmatch(n) for n in names)
    if own or other or ADDRESS_RE.search(question) or not _ABOUT_IT.search(question):
        return own
    for text in reversed(said):
        earlier = find_tx_hashes(text)
        if earlier:
            return earlier
        if ADDRESS_RE.search(text):
            return []  # the conversation moved on to an address
    return []


class TransactionReads:
    """Explains the transactions a question names, on the chain it names, else on the first
    configured chain that has them; failures become warnings, never a failed answer."""

    def __init__(self, explainer: TransactionExplainer, limit: int = 2) -> None:
        self.explainer = explainer
        self.limit = limit

    async def read(
        self, hashes: list[str], retrieval: Retrieval, filters: dict[str, Any] | None
    ) -> tuple[list[TransactionFacts], list[str]]:
        """Facts for each hash (at most `limit`), and a warning for each that could not be read."""
        wanted = filters.get("chain") if filters else None
        named = [wanted] if isinstance(wanted, str) else [str(c) for c in wanted or []]
        chains: list[str] = named or retrieval.chains
        chain = chains[0] if chains else None
        facts: list[TransactionFacts] = []
        warnings: list[str] = []
        for tx_hash in hashes[: self.limit]:
            try:
                found = await anyio.to_thread.run_sync(self.explainer.explain, tx_hash, chain)
            except AppError as exc:
                log.warning("transaction %s could not be read: %s", tx_hash, exc.message)
                warnings.append(not_read(tx_hash, chain, exc))
                continue
            facts.append(found)
        return facts, warnings


def not_read(tx_hash: str, chain: str | None, exc: AppError) -> str:
    """Why a transaction is not explained, for people."""
    where = label(chain) if chain else _("any configured chain")
    if exc.code == "transaction_not_found":
        return _("the transaction {hash} was not found on {where}").format(
            hash=tx_hash, where=where
        )
    return _("the transaction {hash} could not be read on {where}: {why}").format(
        hash=tx_hash, where=where, why=exc.message
    )


def transaction_sources(facts: list[TransactionFacts], first_index: int) -> list[Source]:
    """One numbered source per transaction, after the other sources."""
    return [
        Source(
            first_index + n,
            f"{f.chain}:{f.hash}",
            _("Transaction {hash} on {chain}, block {block}").format(
                hash=f.hash, chain=f.chain, block=f.block_number
            ),
            None,
            1.0,
            trust="onchain",
        )
        for n, f in enumerate(facts)
    ]


def cite(sentence: Sentence, index: int) -> str:
    """A sentence with its evidence and source number: "… (log 0) [3]"."""
    return f"{sentence.text} ({', '.join(sentence.evidence)}) [{index}]"


def transaction_answer(facts: list[TransactionFacts], sources: list[Source]) -> str:
    """The explanation as the answer writes it: the lead, then each fact with its evidence."""
    blocks = []
    for f, s in zip(facts, sources, strict=True):
        lead, *rest = f.explanation
        lines = [cite(lead, s.index), ""] + [f"- {cite(x, s.index)}" for x in rest]
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


def transaction_block(
    facts: list[TransactionFacts], sources: list[Source], prompts: Prompts
) -> str:
    """The fenced facts for the hidden prompt; contract-chosen strings are escaped inside."""
    return "\n\n".join(
        prompts.render(
            "transaction",
            index=s.index,
            chain=f.chain,
            hash=f.hash,
            block=f.block_number,
            facts=sanitise(
                "\n".join(f"- {x.text} ({', '.join(x.evidence)})" for x in f.explanation)
            ),
        )
        for f, s in zip(facts, sources, strict=True)
    )


def addresses(facts: list[TransactionFacts]) -> set[str]:
    """Every address the explanations name (lower case): read on-chain, so not unverified."""
    return {a.lower() for f in facts for s in f.explanation for a in ADDRESS_RE.findall(s.text)} | {
        f.from_.lower() for f in facts
    }
