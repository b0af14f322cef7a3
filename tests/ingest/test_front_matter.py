"""Front matter of a token on several chains: per-chain addresses read, ambiguity refused,
warnings in the ingest report and the CLI's output and exit status."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from app.kb.models import ADDRESSES_BY_CHAIN
from ingest.sources.files import InputFile, SkipFile, load_file

USDC = "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48"
USDC_ARB = "0xaf88d065e77c8cC2239327C5EDb3A432268e5831"
BIN = Path(sys.executable).parent / "cryptorag"
MULTI = (
    "---\ntitle: USD Coin\ntype: contract\nchain: [ethereum, Arbitrum One]\n"
    f"addresses:\n  ethereum: {USDC}\n  arbitrum: [{USDC_ARB}]\n---\n"
    "USD Coin is a stablecoin issued by Circle.\n"
)


def load(folder: Path, name: str, text: str, notes: list[str] | None = None) -> list[object]:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(text)
    return list(load_file(InputFile(folder / name, folder), notes=notes))


def test_per_chain_addresses_are_read(tmp_path: Path) -> None:
    notes: list[str] = []
    (doc,) = load(tmp_path, "usdc.md", MULTI, notes)
    assert doc.chain == "ethereum"  # type: ignore[attr-defined]
    assert doc.addresses == [USDC, USDC_ARB]  # type: ignore[attr-defined]
    assert doc.metadata[ADDRESSES_BY_CHAIN] == {  # type: ignore[attr-defined]
        "ethereum": [USDC],
        "arbitrum": [USDC_ARB],
    }
    assert notes == []


def test_a_mapping_alone_gives_the_chains(tmp_path: Path) -> None:
    text = MULTI.replace("chain: [ethereum, Arbitrum One]\n", "")
    (doc,) = load(tmp_path, "usdc.md", text)
    assert doc.chain == "ethereum"  # type: ignore[attr-defined]
    assert doc.metadata["chains"] == ["ethereum", "arbitrum"]  # type: ignore[attr-defined]


def test_several_chains_and_a_flat_list_are_refused_naming_the_field(tmp_path: Path) -> None:
    text = (
        "---\ntitle: USDC\nchain: [ethereum, arbitrum]\n"
        f'addresses: ["{USDC}", "{USDC_ARB}"]\n---\nUSDC.\n'
    )
    with pytest.raises(SkipFile, match=r"front matter `addresses`: 2 addresses and 2 chains"):
        load(tmp_path, "usdc.md", text)
    with pytest.raises(SkipFile, match=r"front matter `chain`: a chain name or a list"):
        load(tmp_path, "bad.md", "---\ntitle: X\nchain: {ethereum: 1}\n---\nText.\n")


def test_losses_are_warnings_naming_the_field(tmp_path: Path) -> None:
    notes: list[str] = []
    text = (
        "---\ntitle: X\ntype: guide\nchain: [ethereum, narnia]\n"
        "addresses:\n  ethereum: '0x1234'\n---\nText.\n"
    )
    (doc,) = load(tmp_path, "x.md", text, notes)
    assert doc.chain == "ethereum"  # type: ignore[attr-defined]
    assert notes == [
        "front matter `type`: unknown type 'guide', stored as 'other'",
        "front matter `chain`: unknown chain 'narnia' kept as written",
        "front matter `addresses.ethereum`: '0x1234' is not a 0x address; ignored",
    ]


@pytest.mark.integration
def test_cli_prints_warnings_and_refusals_and_exits_non_zero(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "usdc.md").write_text(MULTI)
    (docs / "odd.md").write_text("---\ntitle: Odd\ntype: guide\n---\nA guide to nothing.\n")
    env = {**os.environ, "CRYPTORAG_DATA_DIR": str(tmp_path / "data")}

    def run() -> subprocess.CompletedProcess[str]:
        args = [str(BIN), "ingest", str(docs), "--no-progress"]
        return subprocess.run(args, env=env, capture_output=True, text=True, timeout=300)

    warned = run()
    assert warned.returncode == 3, warned.stderr
    assert f"warning {docs / 'odd.md'}: front matter `type`: unknown type 'guide'" in warned.stderr
    assert "; 1 warnings" in warned.stdout
    (docs / "odd.md").unlink()
    (docs / "flat.md").write_text(
        f"---\ntitle: F\nchain: [ethereum, base]\naddresses: [{USDC}, {USDC_ARB}]\n---\nF.\n"
    )
    refused = run()
    assert refused.returncode == 1
    assert f"skipped {docs / 'flat.md'}: front matter `addresses`" in refused.stderr
