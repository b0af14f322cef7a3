"""`cryptorag worker --once` is judged like `cryptorag ingest`: anything skipped exits 1."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.cli import run_cli as _run

pytestmark = pytest.mark.integration


def test_worker_once_exits_1_when_a_file_source_skipped_something(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.md").write_text("# Secret\n\nThe vault passphrase is velvet-otter.\n")
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "weth.md").write_text("# WETH\n\nWrapped Ether is an ERC-20 token for ETH.\n")
    (docs / "passwd.md").symlink_to(outside / "secret.md")
    sources = tmp_path / "sources.yaml"
    sources.write_text("sources:\n  - {name: docs, kind: files, path: docs, interval: 1h}\n")
    data = tmp_path / "data"

    run = _run(["worker", "--sources", str(sources), "--once", "--metrics-port", "0"], data)

    assert run.returncode == 1, run.stderr
    assert f"docs: skipped {docs / 'passwd.md'}: links to {outside / 'secret.md'}" in run.stderr
    assert "failed sources: docs" in run.stderr
    assert "Traceback" not in run.stderr
    stats = json.loads(_run(["stats"], data).stdout)
    assert stats["documents"] == 1  # weth.md only: the run went on past the refused link
    # A clean pass exits 0: test_worker.py's kill -9 test runs --once to completion.
