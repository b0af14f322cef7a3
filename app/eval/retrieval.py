"""Retrieval evaluation: the product retriever beside BM25 and dense-only baselines, per kind."""

from __future__ import annotations

import json
import re
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import anyio
from rank_bm25 import BM25Okapi

from app.core.settings import Settings
from app.eval.metrics import hit_at, mrr_at, ndcg_at, percentile
from app.eval.scratch import ingested
from app.kb.embeddings import Embedder
from app.kb.models import Chunk
from app.services import Services

METHODS = ("cryptorag", "bm25", "dense")
DEPTH = 10


@dataclass
class Question:
    """One evaluation question with its gold document ids (file stems)."""

    q: str
    gold: set[str]
    kind: str
    history: tuple[str, ...] = ()  # the user turns before it, for a follow-up


@dataclass
class Scores:
    """Metrics of one method on one group of questions."""

    n: int = 0
    hit5: float = 0.0
    mrr10: float = 0.0
    ndcg10: float = 0.0
    latencies_ms: list[float] = field(default_factory=list)

    def add(self, ranked: Sequence[str], gold: set[str], latency_ms: float) -> None:
        """Count one question."""
        self.n += 1
        self.hit5 += hit_at(ranked, gold, 5)
        self.mrr10 += mrr_at(ranked, gold, 10)
        self.ndcg10 += ndcg_at(ranked, gold, 10)
        self.latencies_ms.append(latency_ms)

    def summary(self) -> dict[str, float]:
        """Means and latency percentiles."""
        n = max(self.n, 1)
        return {
            "n": self.n,
            "hit@5": round(self.hit5 / n, 4),
            "mrr@10": round(self.mrr10 / n, 4),
            "ndcg@10": round(self.ndcg10 / n, 4),
            "p50_ms": round(percentile(self.latencies_ms, 50), 2),
            "p95_ms": round(percentile(self.latencies_ms, 95), 2),
        }


def load_questions(paths: Sequence[Path]) -> list[Question]:
    """Questions from JSONL files of {q, gold, kind, history?} (history: earlier user turns, as
    strings or [role, text] pairs)."""
    out = []
    for path in paths:
        for line in path.read_text("utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                turns = [t if isinstance(t, str) else t[1] for t in row.get("history", [])
                         if isinstance(t, str) or t[0] == "user"]  # fmt: skip
                kind = row.get("kind", "all")
                out.append(Question(row["q"], set(row["gold"]), kind, tuple(turns)))
    return out


def asked(services: Services, question: Question) -> str:
    """What retrieval is asked: a follow-up made standalone from its earlier turns, as the chat
    path makes it (the subject's words without a model, the condense step with one)."""
    if not question.history:
        return question.q
    history = [("user", turn) for turn in question.history]
    return anyio.run(services.answers.standalone, question.q, history)


def doc_key(source: str) -> str:
    """The id a question's gold names: a file's stem, or a registry entry's slug."""
    path, _, entry = source.partition("#")
    return entry or Path(path).stem


def _bm25_tokens(text: str) -> list[str]:
    return re.findall(r"\w+", text.lower())


class BM25Baseline:
    """Plain BM25 (Okapi) over the same chunks, as a reference point."""

    def __init__(self, chunks: list[Chunk]) -> None:
        self.keys = [doc_key(c.source) for c in chunks]
        self.index = BM25Okapi([_bm25_tokens(c.embed_text) for c in chunks])

    def search(self, query: str, k: int) -> list[str]:
        """Document ids of the top chunks."""
        scores = self.index.get_scores(_bm25_tokens(query))
        order = sorted(range(len(scores)), key=lambda i: -scores[i])
        return _dedupe([self.keys[i] for i in order[: k * 5]])[:k]


def _dedupe(keys: list[str]) -> list[str]:
    seen: dict[str, None] = {}
    for key in keys:
        seen.setdefault(key, None)
    return list(seen)


def evaluate(
    services: Services, questions: list[Question], methods: Sequence[str] = METHODS
) -> dict[str, dict[str, dict[str, float]]]:
    """Scores per method, per kind and overall: {method: {kind: summary}}."""
    searchers: dict[str, Callable[[str], list[str]]] = {}
    if "cryptorag" in methods:
        searchers["cryptorag"] = lambda q: _keys(services, q, "hybrid")
    if "dense" in methods:

        def dense(q: str) -> list[str]:
            hits = services.store.search(services.embedder.embed_query(q), DEPTH * 3)
            return _dedupe([doc_key(h.chunk.source) for h in hits])[:DEPTH]

        searchers["dense"] = dense
    if "bm25" in methods:
        bm25 = BM25Baseline(services.store.all_chunks())
        searchers["bm25"] = lambda q: bm25.search(q, DEPTH)
    results: dict[str, dict[str, Scores]] = {m: defaultdict(Scores) for m in searchers}
    for question in questions:
        query = asked(services, question)
        for method, search in searchers.items():
            start = time.perf_counter()
            ranked = search(query)
            elapsed = (time.perf_counter() - start) * 1000
            results[method][question.kind].add(ranked, question.gold, elapsed)
            results[method]["all"].add(ranked, question.gold, elapsed)
    return {m: {k: s.summary() for k, s in sorted(kinds.items())} for m, kinds in results.items()}


def _keys(services: Services, query: str, mode: str) -> list[str]:
    retrieval = services.retriever.retrieve(query, DEPTH * 3, mode=mode)  # type: ignore[arg-type]
    return _dedupe([doc_key(h.chunk.source) for h in retrieval.hits])[:DEPTH]


def run(
    settings: Settings,
    corpora: Sequence[Path],
    question_files: Sequence[Path],
    embedder: Embedder | None = None,
) -> dict[str, dict[str, dict[str, float]]]:
    """Ingest the corpora into a temporary store and evaluate every method on the questions."""
    with ingested(settings, corpora, embedder) as services:
        return evaluate(services, load_questions(question_files))


def format_table(results: dict[str, dict[str, dict[str, float]]]) -> str:
    """One row per kind and method, the product first."""
    kinds = sorted({k for by_kind in results.values() for k in by_kind}, key=lambda k: k == "all")
    header = f"{'kind':<12} {'method':<10} {'n':>4} {'hit@5':>6} {'MRR@10':>7} {'nDCG@10':>8}"
    lines = [header + f" {'p50 ms':>7} {'p95 ms':>7}", "-" * (len(header) + 16)]
    for kind in kinds:
        for method, by_kind in results.items():
            s = by_kind.get(kind)
            if s:
                lines.append(
                    f"{kind:<12} {method:<10} {int(s['n']):>4} {s['hit@5']:>6.3f} "
                    f"{s['mrr@10']:>7.3f} {s['ndcg@10']:>8.3f} {s['p50_ms']:>7.1f} "
                    f"{s['p95_ms']:>7.1f}"
                )
    return "\n".join(lines)
