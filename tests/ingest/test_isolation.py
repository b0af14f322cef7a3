"""One hostile input skips itself with its reason; everything beside it is still ingested."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from app import operations
from app.kb.models import Chunk, Document
from app.services import Services
from ingest.pipeline import Pipeline
from ingest.sources.files import InputFile, SkipFile, load_file
from tests.conftest import ingest
from tests.support.websrc import Site

pytestmark = pytest.mark.integration

HUGE = "9" * 5000  # int() refuses more than 4,300 digits with a ValueError
GOOD = {
    "weth.md": "---\ntitle: WETH\ntype: protocol\n---\nWrapped Ether is an ERC-20 token for ETH.\n",
    "lido.md": "# Lido\n\nLido issues stETH for staked ether.\n",
}


def _folder(root: Path, hostile: dict[str, str]) -> Path:
    folder = root / "docs"
    folder.mkdir()
    for name, text in {**GOOD, **hostile}.items():
        (folder / name).write_text(text)
    return folder


def _sources(services: Services) -> set[str]:
    return {c.source for c in services.store.all_chunks()}


def test_a_huge_integer_skips_its_registry_and_the_folder_goes_on(
    services_factory: Callable[..., Services], tmp_path: Path
) -> None:
    folder = _folder(
        tmp_path,
        {
            "huge.json": f'[{{"name": "Curve", "tvl": {HUGE}}}]',
            "huge.yaml": f"- name: Curve\n  tvl: {HUGE}\n",
            "huge.md": f"---\ntitle: Huge\nsupply: {HUGE}\n---\nA note with a huge number.\n",
        },
    )
    services = services_factory()
    report = ingest(services, folder)
    skipped = {Path(p).name: reason for p, reason in report.skipped}
    assert skipped == {
        "huge.json": "unparseable registry: unreadable value in registry: Exceeds the limit "
        "(4300 digits) for integer string conversion: value has 5000 digits",
        "huge.yaml": "unparseable registry: unreadable value: Exceeds the limit (4300 digits) "
        "for integer string conversion: value has 5000 digits",
        "huge.md": "broken front matter: unreadable value: Exceeds the limit (4300 digits) "
        "for integer string conversion: value has 5000 digits",
    }
    assert _sources(services) == set(GOOD)


def test_an_unexpected_failure_skips_only_its_document(
    services_factory: Callable[..., Services], tmp_path: Path
) -> None:
    folder = _folder(tmp_path, {"aave.md": "# Aave\n\nAave is a lending market.\n"})
    services = services_factory()
    pipeline = Pipeline.from_services(services)
    split = pipeline.chunker.split

    def cards(doc: Document) -> Document:
        if doc.source == "lido.md":
            raise RuntimeError("the node answered nonsense")
        return doc

    def chunks(doc: Document, digest: str) -> list[Chunk]:
        if doc.source == "aave.md":
            raise MemoryError("no room")
        return split(doc, digest)

    pipeline.cards = cards  # type: ignore[assignment]
    pipeline.chunker.split = chunks  # type: ignore[method-assign,assignment]
    report = pipeline.ingest_paths([folder])
    assert sorted(report.skipped) == [
        ("aave.md", "failed: MemoryError: no room"),
        ("lido.md", "failed: RuntimeError: the node answered nonsense"),
    ]
    assert _sources(services) == {"weth.md"}


def test_yaml_nesting_is_bounded_whatever_its_form(tmp_path: Path) -> None:
    # Block and flow levels together: each form alone stays under the scanner's bound of 100.
    for name, text in {
        "mixed.yaml": "- " * 80 + "[" * 80 + "x" + "]" * 80 + "\n",
        "mixed.md": "---\n"
        + "".join(" " * n + f"k{n}:\n" for n in range(60))
        + " " * 60
        + "v: "
        + "[" * 60
        + "]" * 60
        + "\n---\nText.\n",
    }.items():
        path = tmp_path / name
        path.write_text(text)
        with pytest.raises(SkipFile, match="YAML nested more than 100 levels deep"):
            load_file(InputFile(path, tmp_path))
    honest = tmp_path / "honest.yaml"
    honest.write_text("- name: Curve\n  addresses: {ethereum: [[a, b]]}\n")
    assert len(load_file(InputFile(honest, tmp_path))) == 1


def test_a_hard_link_is_skipped_unless_the_operator_allows_it(
    services_factory: Callable[..., Services], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    outside = tmp_path / "secret.md"
    outside.write_text("# Secret\n\nThe vault passphrase is velvet-otter.\n")
    folder = _folder(tmp_path, {})
    os.link(outside, folder / "notes.md")
    services = services_factory()
    report = ingest(services, folder)
    assert report.skipped == [
        (
            str(folder / "notes.md"),
            "a file with 2 hard links, which may lead out of the folder; not ingested "
            "(CRYPTORAG_INGEST_ALLOW_HARD_LINKS=true allows it)",
        )
    ]
    assert _sources(services) == set(GOOD)
    services.close()  # one process owns the embedded store
    monkeypatch.setenv("CRYPTORAG_INGEST_ALLOW_HARD_LINKS", "true")
    allowed = services_factory()
    assert not ingest(allowed, folder).skipped
    assert _sources(allowed) == {*GOOD, "notes.md"}


def test_a_pdf_bomb_skips_that_page_and_the_run_goes_on(
    services_factory: Callable[..., Services], site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CRYPTORAG_FETCH_ALLOWLIST", "127.0.0.1")
    monkeypatch.setenv("CRYPTORAG_FETCH_HOST_DELAY_S", "0")
    services = services_factory()
    runner = operations.runner(services)
    bomb = runner.ingest_url(f"{site.base}/bomb.pdf")
    page = runner.ingest_url(f"{site.base}/doc.pdf")
    runner.fetcher.close()
    [(where, reason)] = bomb.skipped
    assert where == f"{site.base}/bomb.pdf"
    assert reason.startswith("PDF refused: Limit reached while decompressing")
    assert (page.written, page.skipped) == (1, [])
    assert _sources(services) == {f"{site.base}/doc.pdf"}


def test_a_feed_is_cut_at_the_item_cap_with_the_reason(
    services_factory: Callable[..., Services], site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CRYPTORAG_FETCH_ALLOWLIST", "127.0.0.1")
    monkeypatch.setenv("CRYPTORAG_FETCH_HOST_DELAY_S", "0")
    monkeypatch.setenv("CRYPTORAG_FEED_MAX_ITEMS", "5")
    site.many_items = 40
    services = services_factory()
    runner = operations.runner(services)
    report = runner.ingest_url(f"{site.base}/many.xml")
    runner.fetcher.close()
    reason = "35 items over the cap of 5 per feed (CRYPTORAG_FEED_MAX_ITEMS)"
    assert report.skipped == [(f"{site.base}/many.xml", reason)]
    assert _sources(services) == {f"{site.base}/news/item-{n}" for n in range(5)}
