"""A document larger than a batch streams through in several writes and is never half-kept."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest

from app.services import Services
from ingest.pipeline import INCOMPLETE, Pipeline, stored_versions
from ingest.sources.files import InputFile, load_file

pytestmark = pytest.mark.integration
BATCH = 4


def _large(folder: Path) -> Path:
    folder.mkdir(exist_ok=True)
    sections = [
        f"## Section {n}\n\n"
        + " ".join(
            f"Validator set {n} rotates operator {m} after epoch {n * 100 + m}; "
            f"slashing risk {m} applies to restaked position {n}-{m}."
            for m in range(12)
        )
        for n in range(6)
    ]
    path = folder / "handbook.md"
    path.write_text("# Restaking handbook\n\n" + "\n\n".join(sections) + "\n")
    return path


def _pipeline(services: Services) -> Pipeline:
    pipeline = Pipeline.from_services(services)
    pipeline.batch_chunks = BATCH
    return pipeline


def _points(services: Services) -> dict[str, tuple[str, int]]:
    return {
        pid: (str(p["doc_hash"]), int(p["index"]))
        for pid, p in services.store.scroll_payloads(["doc_hash", "index"])
    }


class _Writes:
    """Records the store's writes; raises on the nth upsert when asked to."""

    def __init__(self, services: Services, fail_on: int | None = None) -> None:
        self.upserts: list[list[int]] = []
        self.deletes: list[dict[str, str]] = []
        upsert, delete = services.store.upsert, services.store.delete_stale_versions

        def recording_upsert(chunks: Sequence[Any], *args: Any) -> None:
            if fail_on is not None and len(self.upserts) + 1 == fail_on:
                raise RuntimeError("killed mid-document")
            upsert(chunks, *args)
            self.upserts.append([c.index for c in chunks])

        def recording_delete(keep: dict[str, str]) -> None:
            delete(keep)
            self.deletes.append(dict(keep))

        self.upsert, self.delete = recording_upsert, recording_delete


def _watch(
    monkeypatch: pytest.MonkeyPatch, services: Services, fail_on: int | None = None
) -> _Writes:
    writes = _Writes(services, fail_on)
    monkeypatch.setattr(services.store, "upsert", writes.upsert)
    monkeypatch.setattr(services.store, "delete_stale_versions", writes.delete)
    return writes


def test_a_large_document_is_written_in_batches_last_chunk_first(
    services_factory: Callable[..., Services], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _large(tmp_path / "docs")
    services = services_factory()
    pipeline = _pipeline(services)
    (doc,) = load_file(InputFile(path, path.parent))
    expected = pipeline.chunker.split(doc, doc.fingerprint())
    assert len(expected) > 2 * BATCH
    writes = _watch(monkeypatch, services)

    report = pipeline.ingest_paths([path])

    assert (report.written, report.chunks) == (1, len(expected))
    assert all(len(batch) <= BATCH for batch in writes.upserts)
    written = [i for batch in writes.upserts for i in batch]
    assert written == list(range(len(expected) - 1, -1, -1))
    assert set(_points(services)) == {c.id for c in expected}


def test_a_run_killed_mid_document_writes_it_again(
    services_factory: Callable[..., Services], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _large(tmp_path / "docs")
    services = services_factory()
    _watch(monkeypatch, services, fail_on=2)
    with pytest.raises(RuntimeError, match="killed mid-document"):
        _pipeline(services).ingest_paths([path])
    monkeypatch.undo()
    # The first batch (the last chunks) is stored with the new hash, but chunk 0 is missing.
    assert INCOMPLETE in stored_versions(services.store)[str(path)]

    report = _pipeline(services).ingest_paths([path])

    assert (report.written, report.unchanged) == (1, 0)
    assert set(stored_versions(services.store)[str(path)]) == {report_hash(services, path)}
    assert sorted(i for _, i in _points(services).values()) == list(range(report.chunks))


def test_an_edited_large_document_drops_its_old_version_with_its_last_batch(
    services_factory: Callable[..., Services], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _large(tmp_path / "docs")
    services = services_factory()
    _pipeline(services).ingest_paths([path])
    old = set(_points(services))
    path.write_text(path.read_text().replace("Section 5", "Section five"))
    writes = _watch(monkeypatch, services)

    report = _pipeline(services).ingest_paths([path])

    assert report.written == 1 and len(writes.upserts) > 2
    # Only the write that holds chunk 0 removes the old version: until then both are kept.
    assert writes.deletes[:-1] == [{}] * (len(writes.deletes) - 1)
    assert list(writes.deletes[-1]) == [str(path)] and 0 in writes.upserts[-1]
    assert len({h for h, _ in _points(services).values()}) == 1
    assert old - set(_points(services))


def report_hash(services: Services, path: Path) -> str:
    """The hash the stored chunks of this file carry (all the same when complete)."""
    hashes = {h for h, _ in _points(services).values()}
    assert len(hashes) == 1
    return hashes.pop()
