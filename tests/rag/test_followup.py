"""Without a model, a question that points back at the conversation's subject is asked with it;
a new subject replaces the old one, and a question with a topic of its own inherits nothing."""

from __future__ import annotations

from collections.abc import Callable

import anyio
import pytest

from app.chain.canonical import CanonicalTokens
from app.kb.glossary import Glossary
from app.rag.entities import EntityFinder
from app.rag.followup import Reading, advance, is_follow_up, read, replay
from app.rag.subject import Subject
from app.services import Services

USDC = "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48"


@pytest.mark.parametrize(
    "question",
    ["what is its contract address?", "Is it safe?", "and on Arbitrum?", "decimals?",
     "What about Base?", "Do they charge a fee?"],
)  # fmt: skip
def test_questions_that_point_back(question: str) -> None:
    assert is_follow_up(question)


@pytest.mark.parametrize(
    "question",
    ["How did the Beanstalk hack work?", "What is Lido?", f"Is {USDC} safe?",
     "Which bridge lost the most in 2022?", f"what is this: {USDC}"],
)  # fmt: skip
def test_questions_that_stand_alone(question: str) -> None:
    assert not is_follow_up(question)


@pytest.fixture(scope="module")
def finder() -> EntityFinder:
    return EntityFinder(CanonicalTokens.load())


def converse(finder: EntityFinder, *questions: str) -> list[Reading]:
    """Each question read against the subject the ones before it left (no sources)."""
    subject, readings = Subject(), []
    for question in questions:
        reading = read(question, subject, finder)
        readings.append(reading)
        subject = advance(reading, finder)
    return readings


def test_a_pronoun_and_a_bare_attribute_question_keep_the_token_over_any_number_of_turns(
    finder: EntityFinder,
) -> None:
    turns = ["What is WETH?", "what is its contract address?", "is it safe?",
             "how many decimals?", "who can upgrade it?", "How much was lost?"]  # fmt: skip
    first, *rest = converse(finder, *turns)
    assert not first.inherits and first.query == "What is WETH?"
    for reading in rest:
        assert reading.inherits and reading.query.startswith("WETH ")
    assert [e.value for e in rest[-1].subject.entities] == ["WETH"]
    assert rest[-1].subject.entities[0].turn == 1  # set by the first turn, kept since


def test_a_chain_alone_moves_the_subject_there_and_the_last_chain_wins(
    finder: EntityFinder,
) -> None:
    _, arbitrum, base, decimals = converse(
        finder, "What is USDC?", "and on Arbitrum?", "and on Base?", "how many decimals?"
    )
    assert arbitrum.query == "USDC and on Arbitrum?"
    assert base.query == "USDC and on Base?"  # not Arbitrum's: the question names Base
    assert decimals.query == "USDC on Base how many decimals?"


def test_an_address_subject_goes_to_the_lookup_on_every_turn(finder: EntityFinder) -> None:
    usdc = "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48"
    _, owner, there = converse(finder, f"what is {usdc}?", "who owns it?", "and on Base?")
    assert owner.query == f"{usdc} who owns it?"
    # A listed token's address moves to the same token on the chain named (Base's USDC).
    assert there.query == "0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913 and on Base?"
    assert there.named.chains == ("base",)


def test_an_event_answers_how_much_was_lost(finder: EntityFinder) -> None:
    _, lost, attacker = converse(
        finder,
        "Tell me about the Beanstalk governance attack",
        "How much was lost?",
        "how did the attacker get the votes?",
    )
    assert lost.query == "Beanstalk How much was lost?"
    assert attacker.query.startswith("Beanstalk ")


def test_a_new_subject_replaces_the_old_one(finder: EntityFinder) -> None:
    _, yearn, token = converse(
        finder, "What is Lido?", "What is Yearn Finance?", "when did its token launch?"
    )
    assert not yearn.inherits
    assert "yearn" in token.query.lower() and "lido" not in token.query.lower()
    address = "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48"
    *_, decimals = converse(finder, "What is WETH?", f"what is {address}?", "decimals?")
    assert decimals.query == f"{address} decimals?"


@pytest.mark.parametrize(
    "unrelated",
    ["What is a flash loan?", "How does a reentrancy attack work?",
     "Which bridge lost the most in 2022?", "Explain impermanent loss"],
)  # fmt: skip
def test_an_unrelated_question_inherits_nothing_and_becomes_the_subject(
    finder: EntityFinder, unrelated: str
) -> None:
    _, own, back = converse(finder, "What is WETH?", unrelated, "how can it be avoided?")
    assert not own.inherits and own.query == unrelated
    assert back.inherits and back.query == f"{unrelated} how can it be avoided?"
    assert "WETH" not in back.query


def test_which_asks_about_the_subject_unless_it_searches_the_whole_base(
    finder: EntityFinder,
) -> None:
    _, pools, most = converse(
        finder,
        "Explain the Curve Vyper exploit",
        "which pools were affected?",
        "Which bridge lost the most in 2022?",
    )
    assert pools.inherits and pools.query.startswith("Curve Vyper ")
    assert not most.inherits


def test_a_question_that_names_something_and_points_back_keeps_both(
    finder: EntityFinder,
) -> None:
    *_, circle, lifted = converse(
        finder,
        "Why was Tornado Cash sanctioned?",
        "what did Circle do after that?",
        "were the sanctions lifted?",
    )
    assert circle.query == "Tornado Cash what did Circle do after that?"
    assert lifted.query.startswith("Tornado Cash Circle ")


def test_a_continued_question_about_another_token_keeps_the_chain(finder: EntityFinder) -> None:
    *_, dai = converse(finder, "What is USDC on Arbitrum?", "and DAI?")
    assert not dai.inherits and dai.query == "and DAI? on Arbitrum"
    assert advance(dai, finder).chain == "arbitrum"


def test_a_history_without_a_stored_subject_is_read_from_its_user_turns(
    finder: EntityFinder,
) -> None:
    history = [("user", "What is USDC?"), ("assistant", "WETH is not it [1]."),
               ("user", "and on Arbitrum?"), ("assistant", "...")]  # fmt: skip
    subject = replay(history, finder)
    assert [e.value for e in subject.entities] == ["USDC"]
    assert (subject.chain, subject.turn) == ("arbitrum", 2)


@pytest.mark.integration
def test_a_new_topic_in_a_session_does_not_inherit_the_last_address(
    sample_services: Callable[..., Services],
) -> None:
    services = sample_services()
    history = [("user", f"Is {USDC} safe?"), ("assistant", f"{USDC} is USDC on Ethereum [1].")]
    answer = anyio.run(services.answers.answer, "How did the Beanstalk hack work?", None, history)
    assert answer.sources[0].source == "beanstalk-2022.md"
    assert USDC not in answer.answer and "USDC" not in answer.answer
    follow = anyio.run(services.answers.answer, "what is its contract address?", None, history)
    assert USDC in follow.answer


def converse_zh(finder: EntityFinder, *questions: str) -> list[Reading]:
    """Chinese questions read as the answer chain reads them: in the glossary's English words."""
    glossary = Glossary.load()
    return converse(finder, *(glossary.english(q) for q in questions))


def test_a_chinese_question_naming_a_protocol_after_an_address_moves_the_subject(
    finder: EntityFinder,
) -> None:
    _, uniswap, safe = converse_zh(
        finder, f"这个合约地址是什么？{USDC}", "Uniswap 是什么？", "它安全吗？"
    )
    assert not uniswap.inherits and uniswap.query == "what is Uniswap?"
    assert safe.inherits and "Uniswap" in safe.query and USDC not in safe.query


@pytest.mark.parametrize("back", ["它的合约地址是什么？", "这个代币有几位小数？", "那 Base 上呢？"])
def test_chinese_references_point_back_at_the_subject(finder: EntityFinder, back: str) -> None:
    _, reading = converse_zh(finder, "什么是 WETH？", back)
    assert reading.inherits and reading.query.startswith("WETH ")


def test_a_chinese_history_is_replayed_in_english_words(finder: EntityFinder) -> None:
    glossary = Glossary.load()
    history = [("user", "USDC 是什么？"), ("assistant", "…"), ("user", "那在 Arbitrum 上呢？")]
    subject = replay(history, finder, glossary.english)
    assert [e.value for e in subject.entities] == ["USDC"]
    assert subject.chain == "arbitrum"
