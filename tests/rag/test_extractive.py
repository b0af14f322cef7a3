"""Extractive answers: quotes as written, weak sources and repeats left out (hashed embedder)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import anyio
import pytest

from app.kb.models import Chunk, ScoredChunk
from app.prompts import FOLDER as PROMPTS
from app.rag.context import number_sources
from app.rag.extractive import (
    Candidate,
    answers_where,
    bare_address,
    defines,
    extractive_answer,
    quoted,
    relevant_sources,
    source_label,
    split_sentences,
)
from app.rag.prompts import Prompts
from app.services import Services
from tests.support.chunks import make_chunk
from tests.support.fakes import HashEmbedder


def chunk(text: str, title: str = "Aave lending markets", **meta: Any) -> Chunk:
    return make_chunk(meta.pop("doc", title), text, title, **meta)


@pytest.fixture(scope="module")
def prompts() -> Prompts:
    return Prompts(PROMPTS)


@pytest.mark.parametrize(
    ("sentence", "label"),
    [
        # A sentence that does not name its subject is labelled with its document, never edited.
        ("Its interest model is called the Quokka curve.", "Aave lending markets"),
        ("It charges a small fee on flash loans.", "Aave lending markets"),
        ("The protocol's treasury holds GHO.", "Aave lending markets"),
        ("Aave V3 added isolation mode.", ""),
        ("Suppliers receive interest-bearing aTokens.", "Aave lending markets"),
        ("It's live on nine chains.", "Aave lending markets"),
    ],
)
def test_quotes_are_labelled_not_rewritten(sentence: str, label: str) -> None:
    assert source_label(sentence, chunk("x", protocol="Aave")) == label


def test_label_falls_back_to_title_and_symbol() -> None:
    card = chunk("x", title="Ocean Protocol (OCEAN) on Arbitrum", metadata={"symbol": "OCEAN"})
    assert source_label("It uses 18 decimals.", card) == "Ocean Protocol (OCEAN) on Arbitrum"
    # Naming the symbol is naming the subject.
    assert source_label("OCEAN trades on many venues.", card) == ""
    news = chunk("x", title="What are flash loans?")
    assert source_label("Aave popularised them.", news) == "What are flash loans"
    bullet = quoted(Candidate("It uses 18 decimals.", 2, 0, "Ocean (OCEAN)"))
    assert bullet == "- Ocean (OCEAN): It uses 18 decimals. [2]"


def test_relevance_bar_is_relative_to_the_best_source() -> None:
    assert relevant_sources({1: 0.6, 2: 0.5, 3: 0.3}, ratio=0.8) == {1, 2}
    assert relevant_sources({1: 0.6, 2: 0.47}, ratio=0.8) == {1}
    # The bar moves with the best source: weak everywhere still answers from the best.
    assert relevant_sources({1: 0.2, 2: 0.17, 3: 0.05}, ratio=0.8) == {1, 2}
    assert relevant_sources({}) == set()


def test_list_items_are_sentences_and_list_intros_are_dropped() -> None:
    text = (
        "MASK is a token on Arbitrum.\n\nVersions of this token on other chains:\n"
        "- Ethereum: 0x69af81e73A73B40adF4f3d4223Cd9b1ECE623074\n- Base: 0x" + "1" * 40
    )
    assert split_sentences(text) == [
        "MASK is a token on Arbitrum.",
        "Ethereum: 0x69af81e73A73B40adF4f3d4223Cd9b1ECE623074",
        "Base: 0x" + "1" * 40,
    ]


def test_weak_sources_and_near_duplicates_stay_out(prompts: Prompts) -> None:
    hits = [
        ScoredChunk(
            chunk=chunk(
                "Aave sets variable borrow rates from the utilisation of each reserve. "
                "Aave sets variable borrow rates from the utilisation of every reserve. "
                "Its interest rate model has two slopes around an optimal utilisation.",
                protocol="Aave",
                doc="aave",
            ),
            score=0.9,
            matched="hybrid",
        ),
        ScoredChunk(
            chunk=chunk(
                "SPX6900 (SPX) is a token on Ethereum with 18 decimals.",
                title="SPX6900 (SPX) on Ethereum",
                doc="spx",
            ),
            score=0.5,
            matched="hybrid",
        ),
    ]
    sources = number_sources(hits)
    text = extractive_answer(
        "How does Aave set borrow rates from utilisation?",
        hits,
        sources,
        HashEmbedder(),  # type: ignore[arg-type]
        prompts,
        "no language model is configured",
    )
    bullets = [line for line in text.splitlines() if line.startswith("- ")]
    assert all(b.endswith("[1]") for b in bullets), text  # the unrelated token stays out
    assert sum("variable borrow rates" in b for b in bullets) == 1, text  # one of the two
    # Quoted as written, labelled with its document: never "Aave's interest rate model".
    assert "Aave lending markets: Its interest rate model" in text


def test_a_lead_block_is_not_repeated(prompts: Prompts) -> None:
    address = "0x69af81e73A73B40adF4f3d4223Cd9b1ECE623074"
    card = chunk(
        f"Mask Network (MASK) is a token contract on Ethereum at {address}. "
        "It is listed in the Uniswap Labs Default token list.",
        title="Mask Network (MASK) on Ethereum",
        doc="mask",
        addresses=[address],
        subject_addresses=[address],
    )
    hits = [ScoredChunk(chunk=card, score=2.0, matched="address", about_asked=True)]
    lead = f"**{address}** on Ethereum: Mask Network (MASK) on Ethereum [1]"
    text = extractive_answer(
        f"what is {address}",
        hits,
        number_sources(hits),
        HashEmbedder(),  # type: ignore[arg-type]
        prompts,
        "no language model is configured",
        lead,
    )
    assert text.startswith(lead)
    assert text.count(address) == 1, text  # the card's own sentence adds nothing new
    assert "Mask Network (MASK) on Ethereum: It is listed in the Uniswap Labs Default" in text


def test_a_chain_address_item_answers_only_where_on_its_chain_was_asked() -> None:
    item = "Unichain: 0x397C1f55FefF63C8947624b0d457a2CA3e3602ab"
    assert bare_address(item) and not bare_address(f"{item} is the bridge of record for MIM")
    assert answers_where(item, True, {"unichain"}) and answers_where(item, True, set())
    assert not answers_where(item, True, {"ethereum"})  # "MIM contract on Ethereum"
    assert not answers_where(item, False, set())  # "Is MIM still pegged?"


@pytest.mark.parametrize(
    ("question", "expected"),
    [("What is Convex?", True), ("what's Aave", True), ("Who is Circle?", True),
     ("What is the Curve Wars?", True), ("How did the Beanstalk hack work?", False),
     ("What is 0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2?", False),
     ("What is the fee Aave charges for flash loans on Ethereum?", False)],
)  # fmt: skip
def test_definition_questions(question: str, expected: bool) -> None:
    assert defines(question) is expected


@pytest.mark.integration
def test_what_is_x_opens_with_what_the_document_says_it_is(
    sample_services: Callable[..., Services],
) -> None:
    services = sample_services()
    answer = anyio.run(services.answers.answer, "What is Convex?")
    first = answer.answer.split("\n- ", 1)[1]
    assert first.startswith("Convex Finance lets Curve liquidity providers earn boosted CRV")
