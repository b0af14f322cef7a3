"""Retrieval: exact address lookup first, then dense and lexical search fused in Qdrant."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from contextvars import copy_context
from dataclasses import dataclass, field
from typing import Any, Literal

from app.evm.addresses import FoundAddress, find_addresses
from app.evm.chains import chains_in
from app.i18n.catalog import _
from app.kb.cards import cards_step_back
from app.kb.embeddings import Embedder
from app.kb.glossary import Glossary
from app.kb.models import Chunk, ScoredChunk
from app.kb.sparse import SparseEncoder, is_keyword_query
from app.kb.store import HybridWeights, QdrantStore

Mode = Literal["hybrid", "dense"]


@dataclass
class Retrieval:
    """What a question retrieved, and the addresses and chains it carried."""

    hits: list[ScoredChunk]
    addresses: list[FoundAddress] = field(default_factory=list)
    chains: list[str] = field(default_factory=list)

    @property
    def warnings(self) -> list[str]:
        """Addresses whose checksum is wrong are reported, never silently matched."""
        out = []
        for a in self.addresses:
            if a.status == "invalid":
                out.append(
                    _(
                        "{raw} has an invalid EIP-55 checksum (expected {checksum}); "
                        "it was not looked up"
                    ).format(raw=a.raw, checksum=a.checksum)
                )
            elif a.status == "unchecked":
                out.append(
                    _("{raw} is all one case, so its checksum was not checked").format(raw=a.raw)
                )
        return out


class Retriever:
    """Finds the chunks that answer a question."""

    def __init__(
        self,
        store: QdrantStore,
        embedder: Embedder,
        sparse: SparseEncoder,
        weights: HybridWeights | None = None,
        home_chain: str | None = None,
        glossary: Glossary | None = None,
    ) -> None:
        self.store = store
        # Chinese questions are asked in the documents' English words (app/kb/glossary.py).
        self.glossary = glossary
        # Where a token on many chains comes from: its card there stands for it (app/kb/cards).
        self.home_chain = home_chain
        self.embedder = embedder
        self.sparse = sparse
        self.weights = weights or HybridWeights()
        # The model releases the GIL while it encodes, so the question is embedded on this
        # thread while the exact address lookup (a payload scan in local mode) runs. One: with
        # one a core, more encodings at once only contended for the cores (bench.load, with the
        # stand-in at 32 clients: 80.0 and 89.7 requests/s against 89.5 and 92.7 with one).
        self._encoder = ThreadPoolExecutor(max_workers=1, thread_name_prefix="query-embed")

    def close(self) -> None:
        """Stop the embedding thread."""
        self._encoder.shutdown(wait=False)

    def english(self, text: str) -> str:
        """The text in the documents' English words: a Chinese question rendered by the
        glossary, any other text as it is."""
        return self.glossary.english(text) if self.glossary else text

    def retrieve(
        self, query: str, top_k: int, filters: dict[str, Any] | None = None, mode: Mode = "hybrid"
    ) -> Retrieval:
        """Top chunks: those about the question's addresses first, then fused search."""
        asked, query = query, self.english(query)
        found = find_addresses(query)
        usable = [a.checksum for a in found if a.status != "invalid"]
        # A chain filter set by the client wins over chains named in the question.
        chains = [] if filters and "chain" in filters else [c.name for c in chains_in(query)]
        # In the request's context: the vector joins its memo (QuestionOnce), so the coverage
        # check and the extractive answer do not embed the question again.
        pending = self._encoder.submit(copy_context().run, self.embedder.embed_query, query)
        # Dense vectors do not match hex strings, so addresses are looked up exactly.
        exact = self.store.by_addresses(usable, limit=max(top_k * 4, 20), filters=filters)
        dense_vec = pending.result()
        if mode == "dense":
            ranked = self.store.search(dense_vec, top_k + len(exact), filters)
        else:
            ranked = self.store.hybrid(
                dense_vec,
                # The question's own words too: a document written in Chinese matches them.
                self.sparse.encode_query(query if asked == query else f"{query} {asked}"),
                # The chain boost reorders candidates, so it needs more of them.
                # Twice top_k: the cards of one token on other chains step back (below), and
                # the documents they crowded out must be among the candidates.
                max(2 * top_k + len(exact), self.weights.depth if chains else 0),
                filters,
                weights=self.weights,
                keyword=is_keyword_query(query),
            )
            if chains:
                ranked = boost_chains(ranked, chains, self.weights)
        hits = rank_exact(exact, usable, ranked)
        seen = {h.chunk.id for h in hits}
        hits.extend(
            cards_step_back([h for h in ranked if h.chunk.id not in seen], chains, self.home_chain)
        )
        return Retrieval(hits=hits[:top_k], addresses=found, chains=chains)


def boost_chains(
    ranked: list[ScoredChunk], chains: list[str], weights: HybridWeights
) -> list[ScoredChunk]:
    """Fuse one more ranked list, the candidates on the named chains, into the RRF scores.

    This is the RRF term a chain-filtered prefetch would add, computed over the fused
    candidates: local mode scans payloads for filtered queries, which costs more than the rest
    of the search together.
    """
    on_chain = [h for h in ranked if h.chunk.chain in chains]
    bonus = {
        h.chunk.id: 1 / (n / weights.boost + weights.rrf_k - 1)  # Qdrant's weighted RRF term
        for n, h in enumerate(on_chain, 1)
    }
    rescored = [
        h.model_copy(update={"score": h.score + bonus.get(h.chunk.id, 0.0)}) for h in ranked
    ]
    return sorted(rescored, key=lambda h: -h.score)


def rank_exact(
    exact: list[Chunk], wanted: list[str], ranked: list[ScoredChunk]
) -> list[ScoredChunk]:
    """Chunks naming the addresses: those about them (declared subject) before mere mentions."""
    position = {h.chunk.id: n for n, h in enumerate(ranked)}
    wanted_set = set(wanted)
    subject = {c.id: bool(wanted_set & set(c.subject_addresses)) for c in exact}
    ordered = sorted(
        exact,
        key=lambda c: (not subject[c.id], position.get(c.id, len(ranked)), len(c.addresses)),
    )
    return [
        ScoredChunk(
            chunk=c,
            score=2.0 if subject[c.id] else 1.5,
            matched="address",
            about_asked=subject[c.id],
        )
        for c in ordered
    ]
