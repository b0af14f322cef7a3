"""Two folders that each hold an aave.md: two documents, two sources, two citations."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from app.services import Services
from tests.conftest import ingest

pytestmark = pytest.mark.integration

MINE = [
    "Aave charges a flash loan premium of 0.05 percent on the borrowed amount.",
    "This flash loan fee goes to the liquidity providers and the Aave treasury.",
]
THEIRS = [
    "Aave flash loans must be repaid within the same transaction or everything reverts.",
    "An Aave flash loan needs no collateral because repayment is enforced atomically.",
]


def _folder(root: Path, title: str, sentences: list[str]) -> Path:
    root.mkdir()
    body = " ".join(sentences)
    (root / "aave.md").write_text(f"---\ntitle: {title}\nprotocol: Aave\n---\n{body}\n")
    return root


def _stored(services: Services) -> dict[str, str]:
    return {
        str(p["doc_id"]): str(p["title"])
        for _, p in services.store.scroll_payloads(["doc_id", "title"])
    }


def test_same_named_files_stay_two_documents_and_two_citations(
    services_factory: Callable[..., Services], tmp_path: Path
) -> None:
    mine = _folder(tmp_path / "mine", "Aave flash loan fees", MINE)
    theirs = _folder(tmp_path / "theirs", "Aave flash loans", THEIRS)
    services = services_factory()
    ingest(services, theirs)
    ingest(services, mine)
    assert _stored(services) == {
        str(mine / "aave.md"): "Aave flash loan fees",
        str(theirs / "aave.md"): "Aave flash loans",
    }

    answer = asyncio.run(
        services.answers.answer("How do Aave flash loans work, and what fee does Aave charge?")
    )

    assert answer.mode == "extractive"
    cited = {s.index: s for s in answer.sources}
    assert sorted((s.source, s.title) for s in cited.values()) == [
        ("aave.md", "Aave flash loan fees"),
        ("aave.md", "Aave flash loans"),
    ]
    text_of = {n: MINE if s.title == "Aave flash loan fees" else THEIRS for n, s in cited.items()}
    lines = re.findall(r"^- (.+) \[(\d+)\]$", answer.answer, flags=re.M)
    assert lines
    for line, number in lines:
        # Every quoted sentence carries the number of the file it was taken from.
        assert any(sentence in line for sentence in text_of[int(number)]), (line, number)
    assert {int(n) for _, n in lines} == set(cited)


def test_reingesting_one_folder_keeps_the_other_folders_file(
    services_factory: Callable[..., Services], tmp_path: Path
) -> None:
    mine = _folder(tmp_path / "mine", "Aave flash loan fees", MINE)
    theirs = _folder(tmp_path / "theirs", "Aave flash loans", THEIRS)
    services = services_factory()
    ingest(services, mine)
    ingest(services, theirs)
    (mine / "aave.md").write_text((mine / "aave.md").read_text() + "\nEdited on Tuesday.\n")

    report = ingest(services, mine)

    assert (report.written, report.deleted) == (1, 0)
    assert set(_stored(services)) == {str(mine / "aave.md"), str(theirs / "aave.md")}
    (mine / "aave.md").unlink()
    assert ingest(services, mine).deleted == 1
    assert set(_stored(services)) == {str(theirs / "aave.md")}
