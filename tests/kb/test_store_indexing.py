"""The embedded store builds HNSW in a child process and swaps it in, serving queries meanwhile."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from app.kb.embeddings import SentenceTransformerEmbedder, vector_name
from app.kb.sparse import SparseEncoder
from app.kb.store import EdgeStore
from app.kb.store.indexing import indexed_points
from ingest.chunking import Chunker
from ingest.pipeline import Pipeline
from tests.conftest import SAMPLE

pytestmark = pytest.mark.integration

# The real build, once the test has written and queried while it runs: the child says it has
# started (`started` beside the store), then waits for the test to create `go` there; closing
# the store kills it while it waits.
GATED_CHILD = [
    sys.executable,
    "-c",
    "import sys, time\n"
    "from pathlib import Path\n"
    "(Path(sys.argv[1]).parent / 'started').touch()\n"
    "go = Path(sys.argv[1]).parent / 'go'\n"
    "while not go.exists():\n"
    "    time.sleep(0.02)\n"
    "from app.kb.store.indexing import build\n"
    "build(Path(sys.argv[1]))",
]


def _wait(cond: Callable[[], bool], timeout: float = 240) -> None:
    """Until cond holds; the timeout is a backstop for a broken build, not the expected wait."""
    end = time.monotonic() + timeout
    while not cond():
        assert time.monotonic() < end, "timed out"
        time.sleep(0.05)


def _store(path: Path, embedder: SentenceTransformerEmbedder) -> EdgeStore:
    store = EdgeStore(
        path,
        vector_name(embedder.name),
        embedder.dim,
        sparse_name=SparseEncoder.name,
        index_threshold=3,
        index_quiet_s=0.1,
    )
    store.ensure_collection()
    return store


def test_build_swaps_in_with_writes_made_meanwhile(
    tmp_path: Path, embedder: SentenceTransformerEmbedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("app.kb.store.indexing.CHILD", GATED_CHILD)
    store = _store(tmp_path / "shard", embedder)
    store.start_indexing()
    pipeline = Pipeline(
        store, embedder, Chunker(embedder.count_tokens, embedder.max_tokens), SparseEncoder()
    )
    sample = tmp_path / "sample"
    sample.mkdir()
    for name in ("aave.md", "curve.md", "uniswap.md"):
        (sample / name).write_text((SAMPLE / name).read_text())
    pipeline.ingest_paths([sample])
    vec = embedder.embed_query("concentrated liquidity")
    before = [(h.chunk.id, round(h.score, 5)) for h in store.search(vec, 5)]
    _wait(lambda: store.stats()["indexing"])
    # While the child builds: queries are answered, and writes land on both copies.
    assert [(h.chunk.id, round(h.score, 5)) for h in store.search(vec, 5)] == before
    (sample / "flash-loans.md").write_text((SAMPLE / "flash-loans.md").read_text())
    pipeline.ingest_paths([sample])
    removed = store.delete_sources(["aave.md"])
    assert store.stats()["indexing"] and removed > 0
    expected = store.counts()
    (tmp_path / "go").touch()
    _wait(lambda: store.stats()["index_builds"] == 1)
    assert store.counts() == expected
    assert {c.source for c in store.all_chunks()} == {"curve.md", "uniswap.md", "flash-loans.md"}
    assert indexed_points(store.path) > 0
    assert not (tmp_path / "shard.indexing").exists() and not (tmp_path / "shard.old").exists()
    store.close()
    reopened = _store(tmp_path / "shard", embedder)
    assert reopened.counts() == expected
    reopened.close()


def test_close_during_build_keeps_the_store(
    tmp_path: Path, embedder: SentenceTransformerEmbedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("app.kb.store.indexing.CHILD", GATED_CHILD)
    store = _store(tmp_path / "shard", embedder)
    store.start_indexing()
    chunker = Chunker(embedder.count_tokens, embedder.max_tokens)
    Pipeline(store, embedder, chunker, SparseEncoder()).ingest_paths([SAMPLE])
    counts = store.counts()
    _wait(lambda: store.stats()["indexing"] and (tmp_path / "started").exists())
    store.close()
    assert not (tmp_path / "shard.indexing").exists()
    reopened = _store(tmp_path / "shard", embedder)
    assert reopened.counts() == counts and indexed_points(reopened.path) == 0
    reopened.close()
