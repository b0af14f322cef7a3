"""The worker as operators run it: sources.yaml, Prometheus metrics, SIGTERM, and kill -9."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from bench.support.anvil import free_port
from tests.support.websrc import Site

pytestmark = pytest.mark.integration
BIN = Path(sys.executable).parent / "cryptorag"


def _env(data: Path) -> dict[str, str]:
    return {
        **os.environ,
        "CRYPTORAG_DATA_DIR": str(data),
        "CRYPTORAG_FETCH_ALLOWLIST": "127.0.0.1",
        "CRYPTORAG_FETCH_HOST_DELAY_S": "0",
        "HF_HUB_OFFLINE": "1",
    }


def _sources(tmp: Path, site: Site, docs: Path) -> Path:
    path = tmp / "sources.yaml"
    path.write_text(
        "sources:\n"
        f"  - {{name: news, kind: rss, url: '{site.base}/feed.xml', interval: 15m, tags: [news]}}\n"
        f"  - {{name: docs, kind: files, path: {docs.name}, interval: 1h}}\n"
    )
    return path


def _folder(tmp: Path, count: int) -> Path:
    folder = tmp / "docs"
    folder.mkdir()
    for n in range(count):
        (folder / f"note-{n:03d}.md").write_text(
            f"---\ntitle: Note {n}\ntype: blog\n---\nNote {n} on validator set {n % 7} and "
            f"restaking risk number {n}; slashing conditions differ per operator {n * 3}.\n"
        )
    return folder


def _stats(data: Path) -> dict[str, int]:
    out = subprocess.run(
        [str(BIN), "stats"], env=_env(data), capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def test_worker_runs_sources_serves_metrics_and_stops_on_sigterm(
    tmp_path: Path, site: Site
) -> None:
    sources = _sources(tmp_path, site, _folder(tmp_path, 3))
    port = free_port()
    proc = subprocess.Popen(
        [str(BIN), "worker", "--sources", str(sources), "--metrics-port", str(port)],
        env=_env(tmp_path / "data"),
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stderr is not None
    seen: list[str] = []
    for line in proc.stderr:  # until the folder's run is reported (or EOF: the worker died)
        seen.append(line.strip())
        if seen[-1].startswith("docs: ingested"):
            break
    assert any(s.startswith("news: ingested 3 documents: 1 fetched, 3 written") for s in seen)
    metrics = httpx.get(f"http://127.0.0.1:{port}/metrics").text
    assert 'cryptorag_ingest_documents_total{outcome="written",source="news"} 3.0' in metrics
    assert 'cryptorag_ingest_documents_total{outcome="written",source="docs"} 3.0' in metrics
    assert 'cryptorag_ingest_runs_total{outcome="ok",source="news"} 1.0' in metrics
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=30) == 0


def test_json_logs(tmp_path: Path) -> None:
    folder = _folder(tmp_path, 1)
    out = subprocess.run(
        [str(BIN), "ingest", str(folder)],
        env={**_env(tmp_path / "data"), "CRYPTORAG_LOG_FORMAT": "json"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    records = [json.loads(line) for line in out.stderr.splitlines() if line.startswith("{")]
    assert any(r["message"].startswith("stored 1 chunks") for r in records)
    assert {"ts", "level", "logger", "request_id", "message"} <= set(records[0])


def test_bad_sources_file_names_the_entry(tmp_path: Path) -> None:
    path = tmp_path / "sources.yaml"
    path.write_text("sources:\n  - {name: feed, kind: rss, interval: soon}\n")
    out = subprocess.run(
        [str(BIN), "worker", "--sources", str(path)],
        env=_env(tmp_path / "data"),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 2
    assert "source 'feed'" in out.stderr and "interval" in out.stderr
    assert "Traceback" not in out.stderr


def test_kill_9_mid_run_then_the_next_run_completes(tmp_path: Path, site: Site) -> None:
    """Killed after the first stored batch, a rerun leaves exactly what a clean run leaves."""
    docs = _folder(tmp_path, 400)
    sources = _sources(tmp_path, site, docs)
    data = tmp_path / "data"
    proc = subprocess.Popen(
        [str(BIN), "worker", "--sources", str(sources), "--metrics-port", "0"],
        env=_env(data),
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stderr is not None
    stored = 0
    for line in proc.stderr:  # until the second stored batch (or EOF: the worker died)
        if "stored" in line and "chunks of" in line:
            stored += 1
            if stored == 2:  # the feed's batch, then the first batch of the folder
                break
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert stored == 2
    partial = _stats(data)
    assert 0 < partial["documents"] < 403

    reference = tmp_path / "reference"
    # The rerun after the kill, and a clean run to compare, side by side: they share nothing.
    runs = []
    for target in (data, reference):
        log = tmp_path / f"{target.name}.log"
        with log.open("w") as err:
            once = [str(BIN), "worker", "--sources", str(sources), "--once", "--metrics-port", "0"]
            runs.append((subprocess.Popen(once, env=_env(target), stderr=err), log))
    for run, log in runs:
        assert run.wait(timeout=300) == 0, log.read_text()
    clean = _stats(reference)
    assert clean["documents"] == 403
    assert _stats(data) == clean
