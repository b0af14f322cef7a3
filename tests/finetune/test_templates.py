"""The templates generator on the sample corpus, with no LLM, through the whole build."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from finetune.build import BuildConfig, build
from finetune.card import read_records
from finetune.generators import Context
from finetune.hygiene import invented
from finetune.kb import KnowledgeBase
from finetune.records import Record

pytestmark = pytest.mark.integration

MULTICALL = "0xcA11bde05977b3631167028862bE2a173976CA11"
ONEINCH_ETH = "0x111111111117dC0aa78b770fA6A738034120C302"
ONEINCH_ARB = "0x6314C31A7a1652cE482cffe247E9CB7c3f4BB9aF"
OP_WETH = "0x4200000000000000000000000000000000000006"


def _build(ctx: Context, out: Path, *gens: str, **kw: object) -> list[Record]:
    config = BuildConfig(out=out, generators=[(g, None) for g in gens], **kw)  # type: ignore[arg-type]
    asyncio.run(build(config, ctx))
    return read_records(out)


def _answer(records: list[Record], question: str) -> str:
    return next(r.output for r in records if r.instruction == question)


def test_facts_become_pairs_in_several_phrasings(
    make_ctx: Callable[..., Context], tmp_path: Path, kb: KnowledgeBase
) -> None:
    records = _build(make_ctx(), tmp_path / "ds", "templates", validation=0.0)
    assert records and all(r.provenance.generator == "templates" for r in records)
    # A registry entry: address -> protocol, in EIP-55 and in lower case.
    assert "Multicall3" in _answer(records, f"Which protocol is {MULTICALL} on Ethereum?")
    lower = _answer(records, f"What is the contract at {MULTICALL.lower()} on Ethereum?")
    assert MULTICALL in lower and "EIP-55" in lower
    assert MULTICALL in _answer(records, "What are the contract addresses of Multicall3?")
    # A token card: address -> token, symbol on a chain -> address, decimals.
    assert "1inch (1INCH)" in _answer(records, f"What token is at {ONEINCH_ARB} on Arbitrum?")
    assert ONEINCH_ARB in _answer(records, "What is the address of 1INCH on Arbitrum?")
    decimals = [r for r in records if r.instruction.startswith("How many decimals does the 1INCH")]
    assert decimals and all("18 decimals" in r.output for r in decimals)
    # The follow-up carries its first turn as history.
    follow = [r for r in records if r.history and ONEINCH_ARB in r.history[0][0]]
    assert follow and follow[0].output.startswith("18")
    # The same asset on its other chains, from two documents.
    other = [r for r in records if r.provenance.detail == "other chains" and "1INCH" in r.output]
    assert other and all(ONEINCH_ETH in r.output and ONEINCH_ARB in r.output for r in other)
    # A token list entry ingested as a contract card.
    assert "Wrapped Ether (WETH)" in _answer(records, f"What token is at {OP_WETH} on Optimism?")
    # Provenance, and no address that the record's own chunks do not hold.
    for r in records:
        assert r.provenance.chunk_ids and r.provenance.doc and r.provenance.doc_source
        assert invented(r, kb) == []


def test_split_by_document_and_seeded(make_ctx: Callable[..., Context], tmp_path: Path) -> None:
    a = _build(make_ctx(seed=1), tmp_path / "a", "templates", validation=0.3)
    _build(make_ctx(seed=1), tmp_path / "b", "templates", validation=0.3)
    c = _build(make_ctx(seed=2), tmp_path / "c", "templates", validation=0.3)
    train = {r.group for r in a if r.split == "train"}
    held = {r.group for r in a if r.split == "validation"}
    assert train and held and not train & held
    assert (tmp_path / "a" / "records.jsonl").read_bytes() == (
        tmp_path / "b" / "records.jsonl"
    ).read_bytes()
    assert held != {r.group for r in c if r.split == "validation"}


def test_card_and_manifest(make_ctx: Callable[..., Context], tmp_path: Path) -> None:
    out = tmp_path / "ds"
    records = _build(make_ctx(), out, "templates", formats=["alpaca", "openai"])
    card = (out / "README.md").read_text("utf-8")
    assert "| templates |" in card and "| alpaca |" in card and "| openai |" in card
    assert "## Lengths (characters)" in card and "## Dropped" in card
    manifest = json.loads((out / "manifest.json").read_text("utf-8"))
    assert manifest["files"]["openai"]["train"] == "openai/train.jsonl"
    rows = [json.loads(x) for x in (out / "openai" / "train.jsonl").read_text().splitlines()]
    assert len(rows) == sum(1 for r in records if r.split == "train")
