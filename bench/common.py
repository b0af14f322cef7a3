"""Helpers shared by the benchmark scripts."""

from __future__ import annotations

import os
import statistics
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "samples" / "corpus"

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0-100) by linear interpolation."""
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


def make_corpus(target: Path, copies: int) -> None:
    """Copies of the sample Markdown documents, each made distinct, to reach a chunk count."""
    target.mkdir(parents=True, exist_ok=True)
    for n in range(copies):
        for doc in sorted(SAMPLE.glob("*.md")):
            text = doc.read_text("utf-8")
            head, _, body = text.partition("\n---\n") if text.startswith("---") else ("", "", text)
            body = f"{body}\n\nRevision {n}: notes on {doc.stem} kept for benchmark copy {n}.\n"
            out = f"{head}\n---\n{body}" if head else body
            (target / f"{doc.stem}-{n:03d}.md").write_text(out, "utf-8")
