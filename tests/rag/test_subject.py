"""The conversation subject: entities found in questions, sources and live facts; stored form."""

from __future__ import annotations

import pytest

from app.chain.canonical import CanonicalTokens
from app.chain.facts import ContractFacts, TokenInfo
from app.kb.models import Chunk, ScoredChunk
from app.rag.entities import EntityFinder
from app.rag.subject import Entity, Subject

USDC = "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48"


@pytest.fixture(scope="module")
def finder() -> EntityFinder:
    return EntityFinder(CanonicalTokens.load())


def _hit(title: str, **meta: object) -> ScoredChunk:
    chunk = Chunk(
        id=title,
        doc_id=title,
        doc_hash="h",
        index=0,
        text=f"{title}.",
        source=f"{title}.md",
        title=title,
        **meta,  # type: ignore[arg-type]
    )
    return ScoredChunk(chunk=chunk, score=1.0)


@pytest.mark.parametrize(
    ("question", "tokens", "names", "chains"),
    [
        ("What is WETH?", ("WETH",), (), ()),
        ("usdc on polygon", ("USDC",), (), ("polygon",)),
        ("what is wrapped ether on Base", ("WETH",), (), ("base",)),
        ("Is MASK listed?", ("MASK",), (), ()),
        ("What happened to Poly Network in August 2021?", (), ("Poly Network",), ()),
        ("Why was Tornado Cash sanctioned?", (), ("Tornado Cash",), ()),
        ("Who is Sam Bankman-Fried?", (), ("Sam Bankman-Fried",), ()),
        ("Tell me about The DAO hack", (), ("DAO",), ()),
        ("What was the BNB Chain bridge exploit?", (), ("BNB Chain",), ("bnb",)),
        ("and on Arbitrum?", (), (), ("arbitrum",)),
        ("what about Polygon?", (), (), ("polygon",)),
        ("Base?", (), (), ("base",)),
    ],
)
def test_what_a_question_names(
    finder: EntityFinder,
    question: str,
    tokens: tuple[str, ...],
    names: tuple[str, ...],
    chains: tuple[str, ...],
) -> None:
    named = finder.named(question)
    assert (named.tokens, named.names, named.chains) == (tokens, names, chains)


@pytest.mark.parametrize(
    "question",
    ["is it safe?", "What is the key risk?", "How much was lost?", "Is It Safe?",
     "What is the TVL?", "what is its contract address?", "Who founded it?"],
)  # fmt: skip
def test_ordinary_words_name_nothing(finder: EntityFinder, question: str) -> None:
    assert not finder.named(question).anything  # "safe", "key" are tickers too, but not here


def test_an_address_and_its_checksum(finder: EntityFinder) -> None:
    assert finder.named(f"what is {USDC.lower()}?").addresses == (USDC,)
    wrong = "0xa" + USDC[3:]  # one letter in the other case
    assert finder.named(f"what is {wrong}?").addresses == ()  # a bad checksum is not looked up


def test_names_are_typed_by_the_sources_that_know_them(finder: EntityFinder) -> None:
    news = _hit("Poly Network hacker returns $611 million", type="news", protocol="Poly Network")
    protocol = _hit("Aave lending markets", type="protocol", protocol="Aave")
    q = "What happened to Poly Network?"
    [event] = finder.entities(finder.named(q), q, [protocol, news], [], 1)
    assert (event.kind, event.value, event.label) == ("event", "Poly Network", news.chunk.title)
    q = "What is Aave?"
    [aave] = finder.entities(finder.named(q), q, [protocol], [], 2)
    assert (aave.kind, aave.value, aave.turn) == ("protocol", "Aave", 2)
    q = "Tell me about the Bybit hack"  # known to no source: an event by its words
    [bybit] = finder.entities(finder.named(q), q, [protocol], [], 1)
    assert (bybit.kind, bybit.value) == ("event", "Bybit")


def test_an_address_is_labelled_by_its_live_facts(finder: EntityFinder) -> None:
    facts = ContractFacts(
        chain="ethereum",
        address=USDC,
        account_type="contract",
        is_contract=True,
        token=TokenInfo(name="USD Coin", symbol="USDC", decimals=6),
        block_number=1,
    )
    q = f"is {USDC} safe?"
    [entity] = finder.entities(finder.named(q), q, [], [facts], 1)
    assert (entity.kind, entity.value, entity.label, entity.chain) == (
        "address",
        USDC,
        "USDC USD Coin",
        "ethereum",
    )


def test_an_address_is_labelled_by_the_document_about_it_without_its_chain(
    finder: EntityFinder,
) -> None:
    card = _hit("USDCoin (USDC) on Ethereum", chain="ethereum", subject_addresses=[USDC])
    q = f"what is {USDC}?"
    [entity] = finder.entities(finder.named(q), q, [card], [], 1)
    assert (entity.label, entity.chain) == ("USDCoin (USDC)", "ethereum")
    assert entity.words() == f"{USDC} USDCoin USDC"


def test_a_question_naming_nothing_is_about_what_its_best_source_is_about() -> None:
    dydx = _hit("dYdX perpetuals exchange", type="protocol", protocol="dYdX")
    [entity] = EntityFinder.from_sources([dydx], 3)
    assert (entity.kind, entity.value, entity.turn) == ("protocol", "dYdX", 3)
    assert EntityFinder.from_sources([_hit("What are flash loans?", type="blog")], 1) == []


def test_terms_name_the_subject_once_and_its_chain() -> None:
    subject = Subject(
        (
            Entity("token", "USDC", "USDCoin", None, 1),
            Entity("protocol", "Circle", "Circle", None, 2),
        ),
        chain="arbitrum",
        topic="What is USDC?",
        turn=2,
    )
    assert subject.terms() == "USDC USDCoin Circle on Arbitrum"
    assert subject.terms(with_chain=False) == "USDC USDCoin Circle"
    assert Subject(topic="What is a flash loan?", turn=1).terms() == "What is a flash loan?"
    assert 'token USDC, "USDCoin", since turn 1' in subject.describe()
    assert "- chain Arbitrum" in subject.describe()


def test_the_stored_form_round_trips_and_bad_rows_are_not_trusted() -> None:
    subject = Subject(
        (Entity("address", USDC, "USDC", "ethereum", 1),), "base", "what is it?", turn=3
    )
    assert Subject.from_json(subject.as_json()) == subject
    assert Subject.from_json(None) is None and Subject.from_json(["x"]) is None
    stored = subject.as_json()
    stored["entities"] += [{"kind": "wallet", "value": "x"}, {"kind": "token", "value": 5}, "junk"]
    stored["chain"] = "atlantis"
    stored["turn"] = -1
    assert Subject.from_json(stored) == Subject(subject.entities, None, "what is it?", 0)


def test_a_token_is_named_as_its_documents_name_it_never_by_the_list_alone(
    finder: EntityFinder,
) -> None:
    card = _hit("USDCoin (USDC) on Arbitrum", chain="arbitrum", metadata={"symbol": "USDC"})
    doc = _hit("USDC stablecoin contracts", type="contract")
    q = "What is USDC?"
    [usdc] = finder.entities(finder.named(q), q, [card, doc], [], 1)
    assert usdc.label == "USDC stablecoin contracts"  # the document before the card
    [bare] = finder.entities(finder.named(q), q, [], [], 1)
    assert bare.label == ""  # "USDCoin" is the list's word: a query judged by it finds nothing
    used = _hit("Stablecoins", type="blog")
    used.chunk.text = "USDCoin and DAI are dollar stablecoins."
    [listed] = finder.entities(finder.named(q), q, [used], [], 1)
    assert listed.label == "USDCoin"  # the documents use the list's name
    q = "What is Yearn Finance?"  # the listed YFI, by its name: one entity, in the user's words
    [yfi] = finder.entities(finder.named(q), q, [], [], 1)
    assert (yfi.kind, yfi.value, yfi.label) == ("token", "YFI", "Yearn Finance")
