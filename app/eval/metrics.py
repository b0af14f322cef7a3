"""Ranking metrics over document ids, and latency percentiles."""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence


def hit_at(ranked: Sequence[str], gold: set[str], k: int) -> float:
    """1 when a gold document is in the top k."""
    return 1.0 if any(d in gold for d in ranked[:k]) else 0.0


def mrr_at(ranked: Sequence[str], gold: set[str], k: int) -> float:
    """Reciprocal rank of the first gold document within k, else 0."""
    for n, doc in enumerate(ranked[:k], start=1):
        if doc in gold:
            return 1.0 / n
    return 0.0


def ndcg_at(ranked: Sequence[str], gold: set[str], k: int) -> float:
    """Binary-relevance nDCG at k."""
    dcg = sum(1.0 / math.log2(n + 1) for n, d in enumerate(ranked[:k], start=1) if d in gold)
    ideal = sum(1.0 / math.log2(n + 1) for n in range(1, min(len(gold), k) + 1))
    return dcg / ideal if ideal else 0.0


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100), interpolated."""
    if not values:
        return 0.0
    if len(values) == 1:
        return float(values[0])
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]
