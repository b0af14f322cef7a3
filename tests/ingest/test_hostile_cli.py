"""Hostile sources beside good ones, through the real CLI in a subprocess.

Deep JSON used to overflow the C stack (py_ecc raises the recursion limit to 100,000) and kill
the process with SIGSEGV; in a subprocess such a crash fails the test instead of ending pytest.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.cli import run_cli
from tests.support.websrc import DEEP_JSON, Site

pytestmark = pytest.mark.integration
HUGE = "9" * 5000
DIGITS = "Exceeds the limit (4300 digits) for integer string conversion: value has 5000 digits"
YAML_DEEP = "YAML nested more than 100 levels deep"
GOOD = {
    "weth.md": "---\ntitle: WETH\ntype: protocol\n---\nWrapped Ether is an ERC-20 token for ETH.\n",
    "lido.md": "# Lido\n\nLido issues stETH for staked ether.\n",
}
# Each hostile file and the reason it is skipped with.
HOSTILE = {
    "deep.json": (DEEP_JSON, "unparseable registry: registry nests deeper than 64 levels"),
    "deep-json-front.md": (
        '{\n"title": "Deep", "x": ' + DEEP_JSON + "\n}\nText under deep front matter.\n",
        "broken front matter: JSON front matter nests deeper than 64 levels",
    ),
    "deep.yaml": ("- " * 100_000 + "x\n", f"unparseable registry: {YAML_DEEP}"),
    "deep-yaml-front.md": (
        "---\ntitle: Deep\nx: " + "[" * 100_000 + "]" * 100_000 + "\n---\nText.\n",
        f"broken front matter: {YAML_DEEP}",
    ),
    "mixed.yaml": (
        "- " * 80 + "[" * 80 + "x" + "]" * 80 + "\n",
        f"unparseable registry: {YAML_DEEP}",
    ),
    "huge.json": (
        f'[{{"name": "Curve", "tvl": {HUGE}}}]',
        f"unparseable registry: unreadable value in registry: {DIGITS}",
    ),
    "huge.yaml": (
        f"- name: Curve\n  tvl: {HUGE}\n",
        f"unparseable registry: unreadable value: {DIGITS}",
    ),
}
HARD_LINK = (
    "a file with 2 hard links, which may lead out of the folder; not ingested "
    "(CRYPTORAG_INGEST_ALLOW_HARD_LINKS=true allows it)"
)


@pytest.fixture
def docs(tmp_path: Path) -> Iterator[Path]:
    """A folder of two good files, every hostile one, and a hard link to a file outside it."""
    folder = tmp_path / "docs"
    folder.mkdir()
    for name, text in GOOD.items():
        (folder / name).write_text(text)
    for name, (text, _) in HOSTILE.items():
        (folder / name).write_text(text)
    secret = tmp_path / "secret.md"
    secret.write_text("# Secret\n\nThe vault passphrase is velvet-otter.\n")
    os.link(secret, folder / "notes.md")
    yield folder


def _run(args: list[str], data: Path) -> subprocess.CompletedProcess[str]:
    return run_cli(
        args, data, CRYPTORAG_FETCH_ALLOWLIST="127.0.0.1", CRYPTORAG_FETCH_HOST_DELAY_S="0"
    )


def _documents(data: Path) -> int:
    stats = _run(["stats"], data)
    assert stats.returncode == 0, stats.stderr
    return int(json.loads(stats.stdout)["documents"])


def _alive(run: subprocess.CompletedProcess[str]) -> None:
    """The process ended on its own, with failures reported rather than raised."""
    assert run.returncode == 1, f"exit {run.returncode}\n{run.stderr[-3000:]}"
    assert "Traceback" not in run.stderr, run.stderr[-3000:]


def test_ingest_skips_each_hostile_file_and_ingests_the_rest(docs: Path, tmp_path: Path) -> None:
    data = tmp_path / "data"
    run = _run(["ingest", str(docs)], data)
    _alive(run)
    for name, (_, reason) in HOSTILE.items():
        assert f"skipped {docs / name}: {reason}\n" in run.stderr
    assert f"skipped {docs / 'notes.md'}: {HARD_LINK}\n" in run.stderr
    assert f"{len(HOSTILE) + 1} skipped" in run.stdout
    assert _documents(data) == len(GOOD)


def test_worker_once_skips_hostile_files_and_urls_and_runs_every_source(
    docs: Path, tmp_path: Path, site: Site
) -> None:
    sources = tmp_path / "sources.yaml"
    sources.write_text(
        "sources:\n"
        f"  - {{name: docs, kind: files, path: {docs}, interval: 1h}}\n"
        f"  - {{name: deep-list, kind: tokenlist, url: '{site.base}/deep-tokens.json'}}\n"
        f"  - {{name: pdf-bomb, kind: web, url: '{site.base}/bomb.pdf'}}\n"
        f"  - {{name: deep-pdf, kind: web, url: '{site.base}/deep.pdf'}}\n"
        f"  - {{name: article, kind: web, url: '{site.base}/article.html'}}\n"
    )
    data = tmp_path / "data"
    run = _run(["worker", "--sources", str(sources), "--once", "--metrics-port", "0"], data)
    _alive(run)
    for name, (_, reason) in HOSTILE.items():
        assert f"docs: skipped {docs / name}: {reason}\n" in run.stderr
    assert f"docs: skipped {docs / 'notes.md'}: {HARD_LINK}\n" in run.stderr
    deep = (
        f"deep-list: skipped {site.base}/deep-tokens.json: token list nests deeper than 64 levels"
    )
    assert deep in run.stderr
    bomb = f"pdf-bomb: skipped {site.base}/bomb.pdf: PDF refused: Limit reached while decompressing"
    assert bomb in run.stderr
    deep_pdf = f"deep-pdf: skipped {site.base}/deep.pdf: PDF refused: objects nested too deep\n"
    assert deep_pdf in run.stderr
    assert "failed sources: deep-list, deep-pdf, docs, pdf-bomb\n" in run.stderr
    assert _documents(data) == len(GOOD) + 1  # the two good files and the article
