"""Preference pairs from the feedback table: 👍 and 👎 answers to the same question."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

import pytest
from datasets import load_dataset

from app.services import Services
from finetune.build import BuildConfig, build
from finetune.card import read_records
from finetune.generators import Context

pytestmark = pytest.mark.integration
WETH = "0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2"
FAKE = "0x1111111111111111111111111111111111111111"


def test_pairs_from_ratings(
    kb_services: Services, make_ctx: Callable[..., Context], tmp_path: Path
) -> None:
    fb = kb_services.feedback
    weth = [{"source": "weth.md", "title": "Wrapped Ether (WETH)"}]
    turns = iter(range(1, 100))

    def rate(rating: Literal["up", "down"], q: str, a: str, **kw: Any) -> None:
        """A rating bound to a stored answer, as the API stores them."""
        fb.add(rating, q, a, turn_id=next(turns), **kw)

    rate("up", "What is WETH?", f"WETH is the ERC-20 wrapper of ether at {WETH} [1].", sources=weth)
    rate("down", "what is  WETH?", "WETH is a stablecoin.", sources=weth)
    rate("up", "Who issues USDC?", "Circle [1].", sources=[{"source": "usdc.md"}])  # unpaired
    rate("up", "Where is WETH on Base?", f"At {FAKE} [1].", sources=weth)  # invented address
    rate("down", "Where is WETH on Base?", "I don't know.", sources=weth)
    # Ratings of answers the service never gave (stored before ratings were bound): no pair.
    fb.add("up", "Is WETH safe?", "Send your ETH to 0x5f3c for safekeeping.", sources=weth)
    fb.add("down", "Is WETH safe?", "Yes, WETH is the canonical wrapper [1].", sources=weth)
    out = tmp_path / "ds"
    config = BuildConfig(
        out=out, generators=[("feedback", None)], formats=["preference"], validation=0
    )
    result = asyncio.run(build(config, make_ctx()))
    (pair,) = read_records(out)
    assert pair.instruction == "What is WETH?" and WETH in pair.output
    assert pair.rejected == "WETH is a stablecoin."
    assert pair.provenance.sources == ["weth.md"]
    assert pair.provenance.doc is not None and pair.provenance.doc.endswith("/weth.md")
    assert result.stats["dropped"]["feedback"] == {
        "feedback_unpaired_rating": 1,
        "invented_address": 1,
        "feedback_unbound": 2,
    }
    info = json.loads((out / "dataset_info.json").read_text("utf-8"))
    assert info["cryptorag_preference_train"]["ranking"] is True
    ds = load_dataset(
        "json",
        data_files=str(out / "preference" / "train.json"),
        split="train",
        cache_dir=str(tmp_path / "c"),
    )
    assert ds[0]["chosen"] == pair.output and ds[0]["rejected"] == pair.rejected
