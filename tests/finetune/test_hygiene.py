"""Duplicates, invented addresses, evaluation questions and the split, on hand-made records."""

from __future__ import annotations

import json
from pathlib import Path

from rouge_score import rouge_scorer

from app.kb.models import Chunk
from finetune.hygiene import Hygiene, load_questions, split
from finetune.kb import KnowledgeBase
from finetune.records import Provenance, Record
from finetune.rouge import RougeL

USDC = "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48"
WETH = "0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2"
CHUNK = Chunk(
    id="c1",
    doc_id="/kb/usdc.md",
    doc_hash="h",
    index=0,
    text=f"The canonical USDC contract on Ethereum is {USDC}.",
    source="usdc.md",
    title="USDC",
    addresses=[USDC],
)
KB = KnowledgeBase([CHUNK])


def rec(question: str, output: str = "An answer.", gen: str = "llm", doc: str = "d") -> Record:
    return Record(
        instruction=question,
        output=output,
        provenance=Provenance(generator=gen, chunk_ids=["c1"], doc=doc),
    )


def test_rouge_handles_non_latin_text() -> None:
    rouge = RougeL()
    a, b = "Что такое флэш-кредит?", "Что такое флэш-кредит в DeFi?"
    # rouge-score's own tokenizer drops every non-[a-z0-9] character: Russian is invisible to it.
    assert rouge_scorer.RougeScorer(["rougeL"]).score(a, a)["rougeL"].fmeasure == 0.0
    assert rouge.f1(a, a) == 1.0
    assert rouge.near(a, b)
    assert not rouge.near(a, "Как работает мост Ronin?")
    assert rouge.near("什么是闪电贷。", "什么是闪电贷")
    assert not rouge.near("什么是闪电贷。", "谁控制了这个代理合约")


def test_duplicates_and_near_duplicates() -> None:
    records = [
        rec("What is a flash loan and how is it repaid?"),
        rec("What is a flash loan and how is it repaid?  "),  # exact, up to spacing
        rec("What is a flash loan, and how is it repaid?", output="Other words."),  # near
        rec("Who can freeze USDC balances?"),
        # Near in words, but about another address: a different question.
        rec(f"What token is at {USDC} on Ethereum?", output=f"USDC at {USDC}."),
        rec(f"What token is at {USDC.lower()} on Ethereum?", output=f"USDC at {USDC}."),
        # Template phrasings are distinct facts by construction: never near-deduplicated.
        rec("What is the address of DAI on Ethereum?", gen="templates"),
        rec("What is the address of USDT on Ethereum?", gen="templates"),
    ]
    hygiene = Hygiene(KB, [])
    kept = hygiene.clean(records)
    assert [r.instruction for r in kept] == [
        records[0].instruction,
        records[3].instruction,
        records[4].instruction,
        records[5].instruction,
        records[6].instruction,
        records[7].instruction,
    ]
    assert hygiene.dropped["llm"] == {"exact_duplicate": 1, "near_duplicate": 1}


def test_invented_addresses_are_dropped() -> None:
    good = rec("Where is USDC?", output=f"USDC is at {USDC} [1].")
    bad = rec("Where is WETH?", output=f"WETH is at {WETH}.")
    asked = rec(f"What is {WETH}?", output=f"{WETH} is not in the knowledge base.")
    seeded = rec("Name a wrapped token.", output=f"WETH at {WETH}.").model_copy(
        update={"evidence": [f"WETH: {WETH}"]}
    )
    hygiene = Hygiene(KB, [])
    assert hygiene.clean([good, bad, asked, seeded]) == [good, asked, seeded]
    assert hygiene.dropped["llm"]["invented_address"] == 1


def test_evaluation_questions_are_excluded(tmp_path: Path) -> None:
    evals = tmp_path / "questions.jsonl"
    evals.write_text(
        json.dumps({"q": "How does a flash loan get repaid?"})
        + "\n"
        + json.dumps({"q": f"what contract is {USDC.lower()}"})
        + "\n",
        "utf-8",
    )
    text = tmp_path / "more.txt"
    text.write_text("Who runs the Ronin bridge validators?\n", "utf-8")
    questions = load_questions([evals, text])
    assert len(questions) == 3
    records = [
        rec("How does a flash loan get repaid?", gen="templates"),
        rec("how does a flash loan get repaid", gen="rag"),
        rec(f"Which project does {USDC} belong to?", gen="templates"),  # same address
        rec("Who runs the Ronin bridge's validators?"),
        rec("What is the DAI Savings Rate?"),
    ]
    hygiene = Hygiene(KB, questions)
    kept = hygiene.clean(records)
    assert [r.instruction for r in kept] == ["What is the DAI Savings Rate?"]
    assert hygiene.dropped["templates"]["evaluation_question"] == 2
    assert hygiene.dropped["rag"]["evaluation_question"] == 1


def test_split_keeps_documents_whole() -> None:
    records = [rec(f"Question {n} about doc {n % 7}?", doc=f"doc{n % 7}") for n in range(40)]
    a = split(records, 0.3, seed=3)
    assert a == split(records, 0.3, seed=3)
    held = {r.group for r in a if r.split == "validation"}
    assert len(held) == 2  # round(0.3 * 7)
    assert not held & {r.group for r in a if r.split == "train"}
    assert {r.group for r in split(records, 0.3, seed=4) if r.split == "validation"} != held
    assert all(r.split == "train" for r in split(records, 0.0, seed=3))
