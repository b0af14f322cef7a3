"""sources.yaml: the repo's own file is valid, and mistakes are named."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.core.errors import ConfigError
from app.samples import CORPUS
from ingest.sources.spec import SourceSpec, load_sources

REPO = Path(__file__).resolve().parents[2]


def test_repo_sources_file_loads() -> None:
    specs = {s.name: s for s in load_sources(REPO / "sources.yaml")}
    assert specs["sample-corpus"].path == CORPUS
    assert specs["sample-corpus"].interval == 300
    assert specs["ethereum-blog"].kind == "rss" and specs["ethereum-blog"].interval == 3600
    assert specs["core-contracts"].entries


@pytest.mark.parametrize(("value", "seconds"), [(90, 90), ("30s", 30), ("15m", 900), ("1d", 86400)])
def test_intervals(value: object, seconds: float) -> None:
    assert (
        SourceSpec(name="x", kind="web", url="https://a.example", interval=value).interval
        == seconds
    )


def test_mistakes_are_named(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(
        "sources:\n"
        "  - {name: a, kind: rss}\n"
        "  - {name: b, kind: files, path: x, interval: 5}\n"
        "  - {name: c, kind: carrier-pigeon, url: 'https://x.example'}\n"
    )
    with pytest.raises(ConfigError) as err:
        load_sources(path)
    text = err.value.message
    assert "source 'a'" in text and "needs a url" in text
    assert "source 'b'" in text and "interval" in text
    assert "source 'c'" in text and "kind" in text
