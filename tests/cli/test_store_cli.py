"""`cryptorag store migrate` on a local-mode data dir."""

from __future__ import annotations

from pathlib import Path

import pytest
from qdrant_client import QdrantClient, models
from typer.testing import CliRunner

from app.cli import cli
from app.core.settings import StoreSettings
from app.kb.store import EdgeStore, RawPoint, ServerStore


def _old_store(data: Path, n: int) -> None:
    client = QdrantClient(path=str(data / "qdrant"))
    store = ServerStore(client, "cryptorag", "dense-x", 4, sparse_name="lexical-v1")
    store.ensure_collection()
    store.upsert_raw(
        [
            RawPoint(
                f"00000000-0000-4000-8000-{i:012d}",
                {"dense-x": [1.0, float(i), 0.0, 1.0]},
                {"lexical-v1": models.SparseVector(indices=[i, 99], values=[1.0, 0.5])},
                {
                    "doc_id": f"d{i}",
                    "doc_hash": "h",
                    "index": 0,
                    "text": "t",
                    "title": "T",
                    "source": f"{i}.md",
                },
            )
            for i in range(n)
        ]
    )
    store.close()


def test_migrate_copies_then_refuses_a_second_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = tmp_path / "data"
    monkeypatch.setenv("CRYPTORAG_DATA_DIR", str(data))
    _old_store(data, 30)
    result = CliRunner().invoke(cli, ["store", "migrate"])
    assert result.exit_code == 0, result.output
    assert "copied 30 points" in result.output
    edge = EdgeStore(StoreSettings(data_dir=data).edge_path, "dense-x", 4)
    edge.ensure_collection()
    assert edge.count() == 30
    assert edge.by_ids(["00000000-0000-4000-8000-000000000007"])[0].source == "7.md"
    edge.close()
    again = CliRunner().invoke(cli, ["store", "migrate"])
    assert again.exit_code != 0 and "already holds an embedded store" in str(again.exception)
