"""Links in an ingested folder: those that lead out of it are refused, those inside are fine."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from app.services import Services
from ingest.sources.files import SkipFile, load_file, walk
from tests.conftest import ingest

pytestmark = pytest.mark.integration

SECRET = "Quartermaster passphrase: velvet-otter-9134 opens the vault."


def _sources(services: Services) -> set[str]:
    return {str(p["source"]) for _, p in services.store.scroll_payloads(["source"])}


def _folders(tmp_path: Path) -> tuple[Path, Path]:
    outside = tmp_path / "outside"
    (outside / "deep").mkdir(parents=True)
    (outside / "secret.md").write_text(f"# Secret\n\n{SECRET}\n")
    (outside / "deep" / "more.md").write_text(f"# More\n\n{SECRET} Again.\n")
    folder = tmp_path / "folder"
    (folder / "sub").mkdir(parents=True)
    (folder / "weth.md").write_text("# WETH\n\nWrapped Ether is an ERC-20 token for ETH.\n")
    (folder / "sub" / "note.md").write_text("# Note\n\nA note on staking rewards.\n")
    return folder, outside


def test_links_out_of_the_folder_are_skipped_with_the_reason(
    services_factory: Callable[..., Services], tmp_path: Path
) -> None:
    folder, outside = _folders(tmp_path)
    (folder / "passwd.md").symlink_to(outside / "secret.md")  # the red-team's /etc/passwd
    (folder / "escape.md").symlink_to(Path("..") / "outside" / "secret.md")  # relative
    (folder / "elsewhere").symlink_to(outside, target_is_directory=True)
    (folder / "copy.md").symlink_to(folder / "weth.md")  # stays inside: fine
    (folder / "subdir").symlink_to(folder / "sub", target_is_directory=True)  # inside: walked once
    services = services_factory()

    report = ingest(services, folder)

    reasons = dict(report.skipped)
    assert set(reasons) == {str(folder / n) for n in ("passwd.md", "escape.md", "elsewhere")}
    for name, target in (
        ("passwd.md", outside / "secret.md"),
        ("escape.md", outside / "secret.md"),
        ("elsewhere", outside),
    ):
        assert reasons[str(folder / name)].startswith(f"links to {target}, outside the ingested")
    assert report.failed  # `cryptorag ingest` exits 1 on it
    assert _sources(services) == {"weth.md", "copy.md", "sub/note.md"}
    hits = services.retriever.retrieve("quartermaster passphrase velvet otter vault", 10).hits
    assert all("velvet-otter" not in h.chunk.text for h in hits)


def test_a_file_replaced_by_a_link_out_loses_what_it_stored(
    services_factory: Callable[..., Services], tmp_path: Path
) -> None:
    folder, outside = _folders(tmp_path)
    services = services_factory()
    ingest(services, folder)
    assert "weth.md" in _sources(services)
    (folder / "weth.md").unlink()
    (folder / "weth.md").symlink_to(outside / "secret.md")

    report = ingest(services, folder)

    assert [p for p, _ in report.skipped] == [str(folder / "weth.md")]
    assert report.deleted == 1  # an unreadable file keeps its chunks; a link out does not
    assert _sources(services) == {"sub/note.md"}


def test_a_file_named_on_the_command_line_is_taken_where_it_lives(
    services_factory: Callable[..., Services], tmp_path: Path
) -> None:
    folder, outside = _folders(tmp_path)
    link = folder / "passwd.md"
    link.symlink_to(outside / "secret.md")
    services = services_factory()

    report = ingest(services, link)  # the operator chose this file: no folder to leave

    assert (report.written, report.skipped) == (1, [])
    assert _sources(services) == {"secret.md"}


def test_a_loop_of_links_is_skipped_not_a_crash(tmp_path: Path) -> None:
    (tmp_path / "a.md").symlink_to(tmp_path / "b.md")
    (tmp_path / "b.md").symlink_to(tmp_path / "a.md")
    items = list(walk(tmp_path))
    assert [i.source for i in items] == ["a.md", "b.md"]
    for item in items:
        with pytest.raises(SkipFile, match="a loop of symbolic links"):
            load_file(item)
