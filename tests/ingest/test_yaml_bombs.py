"""YAML alias bombs and runaway nesting are refused fast, with a reason, and the run goes on."""

from __future__ import annotations

import signal
import time
import tracemalloc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from app.core.errors import ConfigError
from app.services import Services
from ingest.sources.files import InputFile, SkipFile, load_file
from ingest.sources.spec import load_sources
from tests.conftest import ingest

# The red-team's front matter: nine levels of ten aliases each, 10^9 strings once expanded.
LEVELS = ["l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]"] + [
    f"l{n}: &l{n} [{','.join([f'*l{n - 1}'] * 10)}]" for n in range(1, 10)
]
BOMB = "\n".join(LEVELS)
BOMB_MARKDOWN = f"---\ntitle: Innocent\n{BOMB}\n---\nA short note on staking rewards.\n"
MAX_SECONDS = 0.5
MAX_BYTES = 20 * 1024 * 1024


@contextmanager
def bounded(seconds: float, max_bytes: int) -> Iterator[None]:
    """Fail, not hang, when the block runs past `seconds` or allocates past `max_bytes`."""

    def _timeout(*_: object) -> None:
        raise TimeoutError(f"still running after {seconds}s")

    previous = signal.signal(signal.SIGALRM, _timeout)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    tracemalloc.start()
    started = time.perf_counter()
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    assert time.perf_counter() - started < seconds
    assert peak < max_bytes, f"peak {peak / 1e6:.0f} MB"


def _load(path: Path) -> SkipFile:
    with bounded(MAX_SECONDS, MAX_BYTES), pytest.raises(SkipFile) as caught:
        load_file(InputFile(path, path.parent))
    return caught.value


def test_the_bomb_is_about_530_bytes() -> None:
    assert 500 < len(BOMB) < 600


def test_alias_bomb_in_front_matter_is_refused_fast(tmp_path: Path) -> None:
    path = tmp_path / "bomb.md"
    path.write_text(BOMB_MARKDOWN)
    reason = str(_load(path))
    assert reason.startswith("broken front matter: YAML aliases (*l0) are not accepted")


@pytest.mark.parametrize("suffix", [".yaml", ".yml"])
def test_alias_bomb_in_a_registry_is_refused_fast(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"protocols{suffix}"
    path.write_text(BOMB + "\nprotocols:\n  - name: Curve\n    tags: *l9\n")
    assert str(_load(path)).startswith("unparseable registry: YAML aliases (*l0)")


def test_runaway_nesting_is_refused_not_a_crash(tmp_path: Path) -> None:
    path = tmp_path / "deep.md"
    path.write_text(f"---\ntitle: Deep\nx: {'[' * 5000}{']' * 5000}\n---\nText.\n")
    assert str(_load(path)) == "broken front matter: YAML nested more than 100 levels deep"


def test_anchors_without_aliases_still_load(tmp_path: Path) -> None:
    path = tmp_path / "fine.md"
    path.write_text("---\ntitle: &t Fine\ntype: blog\n---\nA fine note.\n")
    (doc,) = load_file(InputFile(path, tmp_path))
    assert (doc.title, doc.type) == ("Fine", "blog")


def test_alias_bomb_in_sources_yaml_is_a_config_error(tmp_path: Path) -> None:
    path = tmp_path / "sources.yaml"
    path.write_text(BOMB + "\nsources:\n  - {name: docs, kind: files, path: docs, tags: *l9}\n")
    with bounded(MAX_SECONDS, MAX_BYTES), pytest.raises(ConfigError, match="aliases"):
        load_sources(path)


@pytest.mark.integration
def test_the_run_goes_on_past_the_bomb(
    services_factory: Callable[..., Services], tmp_path: Path
) -> None:
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "bomb.md").write_text(BOMB_MARKDOWN)
    (folder / "zz-after.md").write_text("# After\n\nSlashing penalises validators.\n")
    services = services_factory()

    report = ingest(services, folder)

    assert report.written == 1
    ((path, reason),) = report.skipped
    assert path == str(folder / "bomb.md") and "YAML aliases" in reason
    sources = {str(p["source"]) for _, p in services.store.scroll_payloads(["source"])}
    assert sources == {"zz-after.md"}
