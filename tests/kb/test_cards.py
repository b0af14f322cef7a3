"""Token-list cards in a ranking: one per token, the home chain's standing for it, and the
documents about the asset before its card when no chain is asked about."""

from __future__ import annotations

from app.kb.cards import cards_step_back, name_head, one_card_per_token, prose_first
from app.kb.models import Chunk, ScoredChunk
from tests.support.chunks import make_chunk

AAVE = "0x7Fc66500c84A76Ad7e9c93437bFc5Ac33E2DDaE9"


def card(chain: str, name: str = "Aave", symbol: str = "AAVE", address: str = AAVE) -> Chunk:
    return make_chunk(
        f"{symbol}-{chain}",
        f"{name} ({symbol}) is a token contract on {chain}.",
        f"{name} ({symbol}) on {chain.title()}",
        id=f"{symbol}-{chain}",
        chain=chain,
        type="contract",
        addresses=[address],
        subject_addresses=[address],
        metadata={"symbol": symbol, "token_list": "Uniswap Labs Default"},
    )


def doc(name: str, protocol: str | None = None, subject: list[str] | None = None) -> Chunk:
    return make_chunk(
        name, f"{name} is a protocol.", id=name, protocol=protocol, subject_addresses=subject or []
    )


def hits(*chunks: Chunk) -> list[ScoredChunk]:
    return [
        ScoredChunk(chunk=c, score=1.0 - n / 10, matched="hybrid") for n, c in enumerate(chunks)
    ]


def ids(ranked: list[ScoredChunk]) -> list[str]:
    return [h.chunk.id for h in ranked]


def test_a_token_on_many_chains_is_one_result_and_the_rest_follow() -> None:
    ranked = hits(card("polygon"), card("arbitrum"), doc("Aave markets"), card("ethereum"))
    assert ids(one_card_per_token(ranked)) == [
        "AAVE-polygon", "Aave markets", "AAVE-arbitrum", "AAVE-ethereum"
    ]  # fmt: skip


def test_the_home_chain_card_takes_the_best_place_with_the_best_score() -> None:
    ranked = hits(card("polygon"), doc("Other"), card("ethereum"))
    out = one_card_per_token(ranked, ["ethereum"])
    assert ids(out) == ["AAVE-ethereum", "Other", "AAVE-polygon"]
    assert out[0].score == ranked[0].score


def test_documents_about_the_asset_come_before_its_card() -> None:
    by_protocol = doc("Aave lending markets", protocol="Aave")
    by_address = doc("Staking module", subject=[AAVE])
    other = doc("Flash loans", protocol="Balancer")
    out = prose_first(hits(card("ethereum"), other, by_protocol, by_address))
    assert ids(out) == ["Aave lending markets", "Staking module", "AAVE-ethereum", "Flash loans"]
    assert out[0].score == out[2].score  # lifted to the card's score: coverage reads it


def test_a_named_chain_keeps_the_card_first() -> None:
    ranked = hits(card("arbitrum"), doc("Aave lending markets", protocol="Aave"))
    assert ids(cards_step_back(ranked, ["arbitrum"], "ethereum"))[0] == "AAVE-arbitrum"
    assert ids(cards_step_back(ranked, [], "ethereum"))[0] == "Aave lending markets"


def test_generic_name_heads_tie_nothing_together() -> None:
    weth_doc = doc("Wrapped Ether", protocol="Wrapped Ether")
    wavax = card("avalanche", name="Wrapped AVAX", symbol="WAVAX", address="0x" + "1" * 40)
    assert ids(prose_first(hits(wavax, weth_doc))) == ["WAVAX-avalanche", "Wrapped Ether"]
    assert name_head("Lido DAO") == "lido"
    assert name_head("USD Coin") == name_head("Wrapped Ether") == name_head("Uni") == ""


def test_documents_are_never_dropped() -> None:
    ranked = hits(card("polygon"), card("base"), doc("A", protocol="Aave"), doc("B"))
    assert sorted(ids(cards_step_back(ranked, [], "ethereum"))) == sorted(ids(ranked))


def test_the_card_on_the_chain_asked_about_stands_for_the_token() -> None:
    ranked = hits(card("arbitrum"), doc("Other"), card("ethereum"))
    assert ids(cards_step_back(ranked, ["ethereum"], "polygon")) == [
        "AAVE-ethereum", "Other", "AAVE-arbitrum"
    ]  # fmt: skip
