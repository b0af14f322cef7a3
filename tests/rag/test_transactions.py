"""Which transaction a chat question is about, and how its explanation is cited."""

from __future__ import annotations

from app.chain.tx.models import Call, Sentence, TransactionFacts
from app.rag.transactions import addresses, hashes_asked, transaction_answer, transaction_sources

H1, H2 = "0x" + "a1" * 32, "0x" + "b2" * 32
ME = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"
ALICE = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"


def test_a_hash_in_the_question_wins() -> None:
    assert hashes_asked(f"what did {H2} do?", [f"what did {H1} do?"]) == [H2]


def test_a_follow_up_keeps_the_last_transaction() -> None:
    said = [f"what did {H1} do?", "thanks"]
    assert hashes_asked("and who received the tokens?", said) == [H1]
    assert hashes_asked("why did it fail?", said) == [H1]


def test_a_new_topic_or_address_leaves_it() -> None:
    said = [f"what did {H1} do?"]
    assert hashes_asked("What is Uniswap?", said) == []
    assert hashes_asked("and what is the fee of Uniswap?", said, ("Uniswap",)) == []
    assert hashes_asked("and who received the FIX?", said, ("FIX",)) == [H1]  # its token
    assert hashes_asked(f"and who is {ALICE}?", said) == []
    assert hashes_asked("and who received the tokens?", [f"what did {H1} do?", ALICE]) == []


def test_each_sentence_carries_its_evidence_and_source_number() -> None:
    facts = TransactionFacts(
        chain="ethereum", hash=H1, status="success", block_number=7, from_=ME,
        call=Call(frame="0", from_=ME),
        explanation=[
            Sentence(text=f"Transferred 1 FIX from {ME} to {ALICE}.", evidence=["log 0"]),
            Sentence(text="It used 21000 gas.", evidence=["receipt.gasUsed"]),
        ],
    )  # fmt: skip
    sources = transaction_sources([facts], 3)
    assert sources[0].source == f"ethereum:{H1}" and sources[0].index == 3
    assert "block 7" in sources[0].title and sources[0].trust == "onchain"
    assert transaction_answer([facts], sources) == (
        f"Transferred 1 FIX from {ME} to {ALICE}. (log 0) [3]\n\n"
        "- It used 21000 gas. (receipt.gasUsed) [3]"
    )
    assert addresses([facts]) == {ME.lower(), ALICE.lower()}
