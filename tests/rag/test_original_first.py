"""The original asset first: which of the tokens sharing a symbol leads, and its documents."""

from __future__ import annotations

from typing import Any

from app.chain.canonical import CanonicalTokens
from app.kb.models import Chunk, ScoredChunk
from app.rag.original import OriginalFirst
from tests.support.chunks import make_chunk

LIST = CanonicalTokens.load()
WETH = "0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2"
WETH_OP = "0x4200000000000000000000000000000000000006"
USDC = "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48"
USDC_ARB = "0xaf88d065e77c8cC2239327C5EDb3A432268e5831"


def chunk(name: str, chain: str, address: str, **meta: Any) -> Chunk:
    return make_chunk(
        name,
        f"{name} at {address}",
        id=name,
        chain=chain,
        subject_addresses=[address],
        metadata=meta,
    )


class Store:
    """The one store call the ordering makes: chunks about an address, exactly."""

    def __init__(self, chunks: list[Chunk]) -> None:
        self.chunks = chunks

    def by_addresses(
        self, addresses: list[str], limit: int, filters: dict[str, Any] | None = None
    ) -> list[Chunk]:
        return [c for c in self.chunks if set(addresses) & set(c.subject_addresses)][:limit]


def hit(c: Chunk, score: float = 0.5) -> ScoredChunk:
    return ScoredChunk(chunk=c, score=score, matched="hybrid")


def originals(*stored: Chunk) -> OriginalFirst:
    return OriginalFirst(LIST, "ethereum", Store(list(stored)))  # type: ignore[arg-type]


def test_symbol_and_name_lead_with_the_default_chain_and_list_the_others() -> None:
    first = originals()
    for question in ("What is WETH?", "what is weth", "Tell me about Wrapped Ether", "$WETH"):
        original = first.pick(question, [], [])
        assert original is not None, question
        assert original.token.address == WETH
        assert {t.chain for t in original.others} >= {"base", "arbitrum", "unichain"}


def test_the_chain_the_question_names_wins() -> None:
    first = originals()
    original = first.pick("What is USDC on Arbitrum?", [], ["arbitrum"])
    assert original is not None and original.token.address == USDC_ARB
    by_filter = first.pick("What is USDC?", [], [], {"chain": "arbitrum"})
    assert by_filter is not None and by_filter.token.address == USDC_ARB


def test_no_lead_for_everyday_words_addresses_or_several_tokens() -> None:
    first = originals()
    for question in (
        "is it safe?",
        "what is a token?",
        "What is a flash loan?",
        f"What is {USDC}?",
        "Compare USDC and DAI",
        "What is Bitcoin?",
    ):
        assert first.pick(question, [], []) is None, question


def test_the_originals_documents_lead_and_bridged_cards_follow() -> None:
    bridged = [chunk(f"weth-{c}", c, WETH_OP) for c in ("unichain", "optimism")]
    article = chunk("weth", "ethereum", WETH)
    other = chunk("eip-1967", "ethereum", "0x" + "1" * 40)
    first = originals(article)
    original = first.pick("What is WETH?", [], [])
    assert original is not None
    hits = [hit(c) for c in [*bridged, other]]  # retrieval missed the article
    ordered = first.first(original, hits, None, top_k=5)
    assert [h.chunk.id for h in ordered] == ["weth", "eip-1967", "weth-unichain", "weth-optimism"]
    assert ordered[0].matched == "address"


def test_the_lead_names_the_original_then_also_on_from_the_list() -> None:
    first = originals()
    original = first.pick("What is USDC?", [], [])
    assert original is not None
    line, source = first.lead(original, [], [])
    assert source is not None and source.source.startswith("token list:")
    assert line.startswith(f"**USDCoin (USDC)** is {USDC} on Ethereum [1].")
    assert f"Also on: Arbitrum {USDC_ARB}" in line
    assert USDC_ARB.lower() in first.addresses(original)


def test_a_document_naming_the_chains_address_is_not_demoted() -> None:
    usdc = chunk("usdc", "ethereum", USDC).model_copy(
        update={"text": f"USDC on Ethereum is {USDC}; native USDC on Arbitrum is {USDC_ARB}."}
    )
    other = chunk("makerdao", "ethereum", "0x" + "2" * 40)
    first = originals()
    original = first.pick("What is the USDC contract on Arbitrum?", [], ["arbitrum"])
    assert original is not None and original.token.address == USDC_ARB
    ordered = first.first(original, [hit(other), hit(usdc)], None, top_k=5)
    assert [h.chunk.id for h in ordered] == ["usdc", "makerdao"]


def test_a_question_that_only_mentions_a_symbol_is_left_alone() -> None:
    first = originals()
    assert first.pick("Can I turn cvxCRV back into CRV?", [], []) is None
    assert first.pick("Why did USDC lose its peg in March 2023?", [], []) is None


def test_a_name_without_its_generic_last_word_is_the_token() -> None:
    original = originals().pick("What is Chainlink?", [], [])
    assert original is not None and original.token.symbol == "LINK"
    assert original.token.chain == "ethereum"
