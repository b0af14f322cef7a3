"""Ingestion on the real model and the embedded Qdrant store."""

from collections.abc import Callable
from pathlib import Path

import pytest

from app.services import Services
from tests.conftest import ingest

pytestmark = pytest.mark.integration


def _points(services: Services) -> dict[str, str]:
    return {pid: str(p["source"]) for pid, p in services.store.scroll_payloads(["source"])}


def test_second_run_changes_nothing(
    services_factory: Callable[..., Services], corpus: Path
) -> None:
    services = services_factory()
    first = ingest(services, corpus)
    # Every sample file is one document, but for the registry's two entries.
    expected = len([p for p in corpus.iterdir() if p.is_file()]) + 1
    assert first.written == expected and not first.failed
    before = _points(services)
    second = ingest(services, corpus)
    assert (second.written, second.unchanged, second.deleted, second.chunks) == (0, expected, 0, 0)
    assert _points(services) == before
    assert services.store.counts()["documents"] == expected


def test_edit_replaces_and_removal_deletes(
    services_factory: Callable[..., Services], corpus: Path
) -> None:
    services = services_factory()
    ingest(services, corpus)
    before = _points(services)
    yearn = corpus / "yearn.md"
    yearn.write_text(yearn.read_text() + "\n\nYearn added a new vault strategy in 2026.\n")
    (corpus / "dydx.md").unlink()
    report = ingest(services, corpus)
    assert (report.written, report.deleted) == (1, 1)
    after = _points(services)
    assert "dydx.md" not in after.values()
    yearn_before = {i for i, s in before.items() if s == "yearn.md"}
    yearn_after = {i for i, s in after.items() if s == "yearn.md"}
    assert yearn_after and not (yearn_before & yearn_after)
    unchanged = {i for i, s in before.items() if s not in {"yearn.md", "dydx.md"}}
    assert unchanged <= set(after)


def test_bad_inputs_are_reported_and_stored_data_kept(
    services_factory: Callable[..., Services], corpus: Path
) -> None:
    services = services_factory()
    ingest(services, corpus)
    # A stored document whose file turns unreadable keeps its chunks.
    (corpus / "frax.md").write_bytes(b"---\ntitle: [broken\n---\n\xff")
    (corpus / "notes.pdf").write_bytes(b"%PDF")
    (corpus / "empty.md").write_text("")
    report = ingest(services, corpus, corpus / "missing-folder")
    reasons = dict(report.skipped)
    assert report.failed
    assert "not UTF-8" in reasons[str(corpus / "frax.md")]
    assert "unsupported file type" in reasons[str(corpus / "notes.pdf")]
    assert reasons[str(corpus / "empty.md")] == "empty file"
    assert "no such file" in reasons[str(corpus / "missing-folder")]
    assert "frax.md" in _points(services).values()


def test_crash_mid_write_loses_nothing(
    services_factory: Callable[..., Services], corpus: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    services = services_factory()
    ingest(services, corpus)
    before = _points(services)
    (corpus / "convex.md").write_text((corpus / "convex.md").read_text() + "\nEdited.\n")

    def boom(texts: list[str]) -> list[list[float]]:
        raise RuntimeError("embedder crashed")

    monkeypatch.setattr(services.embedder, "embed_documents", boom)
    with pytest.raises(RuntimeError):
        ingest(services, corpus)
    assert _points(services) == before
    monkeypatch.undo()
    report = ingest(services, corpus)
    assert report.written == 1
    assert "convex.md" in _points(services).values()


def test_single_file_then_registry_entries(
    services_factory: Callable[..., Services], tmp_path: Path
) -> None:
    services = services_factory()
    registry = tmp_path / "reg.yaml"
    registry.write_text("- name: Curve\n  category: dex\n- name: Aave\n  category: lending\n")
    assert ingest(services, registry).written == 2
    registry.write_text("- name: Curve\n  category: dex\n")
    report = ingest(services, registry)
    assert (report.unchanged, report.deleted) == (1, 1)
    assert set(_points(services).values()) == {"reg.yaml#curve"}
