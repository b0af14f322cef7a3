"""The store at scale: Qdrant Edge against qdrant-client's local mode on the same points.

Usage: .venv/bin/python -m bench.scale --points 10000,100000 [--backends edge,local]
       [--queries 40] [--local-max-s 60] [--recall] [--out results.json]
       [--work DIR [--keep] [--reuse]] [--skip-index]

Points are synthetic in this project's shape (384-d dense near real embeddings, lexical sparse
vectors with Zipf-distributed terms of the real chunks' vocabulary, doc_id/source/type/chain/
addresses/published_at payloads) with the real chunks of the sample corpus, eval/dev/docs and
the token cards mixed in. Every step of a backend runs in a child process of its own, so RSS is
the store's alone: build (upsert, then for Edge the HNSW build), then open and query. Query
latency is the retriever's (address lookup, fused search, chain boost) with the question
embedded beforehand. Local mode runs up to the size where a step took over --local-max-s.
--recall measures HNSW recall@10 against exact search per hnsw_ef, for the real questions, on
the largest Edge store.
"""

from __future__ import annotations

import argparse
import json
import pickle
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np

from app.eval.metrics import percentile
from bench.common import REPO, SAMPLE

DIM = 384
BATCH = 1000
CHAINS = ["ethereum", "arbitrum", "base", "optimism", "polygon", "bnb", "avalanche", "solana"]
TYPES = ["protocol", "contract", "news", "blog"]
QUESTION_FILES = [
    REPO / "eval" / "dev" / "questions.jsonl",
    REPO / "eval" / "tokens" / "questions-small.jsonl",
]


def _status_mb(field: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return 0.0


def _rss_mb() -> float:
    return _status_mb("VmRSS")


def _peak_mb() -> float:
    # VmHWM, not ru_maxrss: Linux carries ru_maxrss over exec, so a child would report the
    # parent's peak (the embedding model's) instead of its own.
    return _status_mb("VmHWM")


def _disk_mb(path: Path) -> float:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 2**20


def prepare(work: Path, n_queries: int) -> Path:
    """Real chunks (vectors and payloads) and embedded questions, pickled for the children."""
    from app.core.settings import StoreSettings
    from app.kb.embeddings import SentenceTransformerEmbedder, vector_name
    from app.kb.sparse import SparseEncoder
    from app.kb.store import open_store
    from ingest.chunking import Chunker
    from ingest.pipeline import Pipeline

    embedder = SentenceTransformerEmbedder("sentence-transformers/all-MiniLM-L6-v2")
    store = open_store(
        StoreSettings(data_dir=work / "real"), vector_name(embedder.name), DIM, SparseEncoder.name
    )
    chunker = Chunker(embedder.count_tokens, embedder.max_tokens)
    Pipeline(store, embedder, chunker, SparseEncoder()).ingest_paths(
        [SAMPLE, REPO / "eval" / "dev" / "docs", REPO / "eval" / "tokens" / "docs"]
    )
    real = list(store.raw_points())
    store.close()
    questions = [
        json.loads(line)["q"] for f in QUESTION_FILES for line in f.read_text().splitlines()
    ]
    random.Random(0).shuffle(questions)
    questions = questions[:n_queries]
    addressed = [p for p in real if p.payload.get("addresses")]
    address_qs = [f"what is {p.payload['addresses'][0]}?" for p in addressed][:n_queries]
    texts = questions + address_qs
    vectors = {t: embedder.embed_query(t) for t in texts}
    out = work / "real.pkl"
    out.write_bytes(
        pickle.dumps(
            {
                "real": real,
                "questions": questions,
                "address_questions": address_qs,
                "vectors": vectors,
                "vector_name": vector_name(embedder.name),
            }
        )
    )
    return out


_VOCABULARY: dict[int, list[int]] = {}


def _vocabulary(real: Any) -> list[int]:
    """The real chunks' lexical term ids, most frequent first.

    Synthetic chunks draw their terms from these (Zipf by rank), so a real question's terms hit
    posting lists as long as they would be in a corpus this size, not an unrelated vocabulary.
    """
    key = id(real)
    if key not in _VOCABULARY:
        df: Counter[int] = Counter()
        for p in real:
            df.update(set(p.sparse["lexical-v1"].indices))
        _VOCABULARY[key] = [term for term, _ in df.most_common()]
    return _VOCABULARY[key]


def synthetic_batch(start: int, count: int, real: Any, vector_name: str) -> list[Any]:
    """Deterministic synthetic points near the real embeddings, in the project's payload shape."""
    from qdrant_client import models

    from app.kb.store import RawPoint

    rng = np.random.default_rng(start)
    vocab = _vocabulary(real)
    base = np.array([p.dense[vector_name] for p in real], dtype=np.float32)
    picks = base[rng.integers(0, len(base), count)]
    # Real embeddings plus noise, renormalised: clustered like text embeddings, yet distinct.
    dense = picks + rng.normal(0, 0.06, (count, DIM)).astype(np.float32)
    dense /= np.linalg.norm(dense, axis=1, keepdims=True)
    points = []
    for i in range(count):
        n = start + i
        # As many distinct terms as a real chunk has, drawn by rank (Zipf, s = 1.1).
        wanted = len(real[int(rng.integers(0, len(real)))].sparse["lexical-v1"].indices)
        draws = (rng.zipf(1.1, 4 * wanted) - 1) % len(vocab)
        ranks = list(dict.fromkeys(draws.tolist()))[:wanted]
        ids = [vocab[int(r)] for r in ranks]
        doc = f"synthetic/{n // 4}.md"
        payload = {
            **real[0].payload,
            "metadata": {},
            "index": n % 4,
            "text": f"synthetic chunk {n}",
            "doc_id": doc,
            "doc_hash": f"h{n // 4}",
            "source": doc,
            "title": f"Synthetic {n // 4}",
            "type": TYPES[n % 4],
            "chain": CHAINS[int(rng.integers(0, len(CHAINS)))],
            "addresses": [f"0x{rng.integers(0, 2**63):016x}{n:024x}"] if n % 5 == 0 else [],
            "subject_addresses": [],
            "published_at": f"20{18 + n % 7}-0{1 + n % 9}-1{n % 10}T00:00:00Z",
        }
        points.append(
            RawPoint(
                f"{n:08x}-0000-4000-8000-{n:012x}",
                {vector_name: dense[i].tolist()},
                {
                    "lexical-v1": models.SparseVector(
                        indices=sorted(set(ids)),
                        values=[float(v) for v in rng.uniform(0.5, 2.5, len(set(ids)))],
                    )
                },
                payload,
            )
        )
    return points


def _open(backend: str, path: Path, vector_name: str) -> Any:
    from qdrant_client import QdrantClient

    from app.core.settings import StoreSettings
    from app.kb.store import EdgeStore, ServerStore

    if backend == "edge":
        ef = StoreSettings().hnsw_ef  # the configured search breadth (CRYPTORAG_HNSW_EF)
        store: Any = EdgeStore(
            path / "edge", vector_name, DIM, sparse_name="lexical-v1", hnsw_ef=ef
        )
    else:
        store = ServerStore(
            QdrantClient(path=str(path / "local")), "c", vector_name, DIM, sparse_name="lexical-v1"
        )
    store.ensure_collection()
    return store


def child_build(
    backend: str, path: Path, points: int, data: Path, skip_index: bool
) -> dict[str, Any]:
    """Upsert the points (real ones first), then build the HNSW index (Edge)."""
    d = pickle.loads(data.read_bytes())
    store = _open(backend, path, d["vector_name"])
    real = d["real"]
    start = time.perf_counter()
    store.upsert_raw(real)
    written = len(real)
    gen = 0.0
    while written < points:
        t = time.perf_counter()
        batch = synthetic_batch(written, min(BATCH, points - written), real, d["vector_name"])
        gen += time.perf_counter() - t
        store.upsert_raw(batch)
        written += len(batch)
    upsert_s = time.perf_counter() - start - gen
    out: dict[str, Any] = {"upsert_s_per_1k": round(upsert_s / written * 1000, 3)}
    if backend == "edge" and not skip_index:
        store.flush()
        t = time.perf_counter()
        store.shard.optimize()
        out["index_build_s"] = round(time.perf_counter() - t, 1)
    store.close()
    out["build_peak_rss_mb"] = round(_peak_mb())
    out["disk_mb"] = round(_disk_mb(path))
    return out


def child_query(backend: str, path: Path, data: Path, recall: bool) -> dict[str, Any]:
    """Open the store, then time the retriever per kind of query and a full scroll."""
    from app.kb.retriever import Retriever
    from app.kb.sparse import SparseEncoder

    d = pickle.loads(data.read_bytes())
    from app.kb.store import EdgeStore, ServerStore  # noqa: F401  (imports out of the timing)

    del d["real"]  # the query step needs only the questions
    rss_before = _rss_mb()
    t = time.perf_counter()
    store = _open(backend, path, d["vector_name"])
    out: dict[str, Any] = {"open_s": round(time.perf_counter() - t, 2)}
    # The whole process (Python, the app's modules, the store), and the store's own share.
    out["rss_after_open_mb"] = round(_rss_mb())
    out["store_rss_mb"] = round(_rss_mb() - rss_before)
    out["points"] = store.count()

    class Cached:  # the question is embedded beforehand: only the store's part is timed
        name, dim = "all-MiniLM-L6-v2", DIM

        def embed_query(self, text: str) -> list[float]:
            vector: list[float] = d["vectors"][text]
            return vector

    retriever = Retriever(store, Cached(), SparseEncoder())  # type: ignore[arg-type]
    kinds: dict[str, list[tuple[str, dict[str, str] | None, Any]]] = {
        "plain": [(q, None, "dense") for q in d["questions"]],
        "fused": [(q, None, "hybrid") for q in d["questions"]],
        "filtered": [(q, {"chain": "ethereum"}, "hybrid") for q in d["questions"]],
        "address": [(q, None, "hybrid") for q in d["address_questions"]],
    }
    for calls in kinds.values():  # one untimed pass pages the store's files in
        for q, filters, mode in calls:
            retriever.retrieve(q, 10, filters, mode=mode)
    for kind, calls in kinds.items():
        times = []
        for q, filters, mode in calls:
            t = time.perf_counter()
            retriever.retrieve(q, 10, filters, mode=mode)
            times.append((time.perf_counter() - t) * 1000)
        out[f"{kind}_p50_ms"] = round(percentile(times, 50), 2)
        out[f"{kind}_p95_ms"] = round(percentile(times, 95), 2)
    # What a serving process holds after questions, before the scroll and the recall check
    # below read every payload and every original vector.
    out["rss_after_queries_mb"] = round(_rss_mb())
    t = time.perf_counter()
    store.document_hashes()
    out["full_scroll_s"] = round(time.perf_counter() - t, 2)
    if recall and backend == "edge":
        out["recall"] = hnsw_recall(store, d)
    out["peak_rss_mb"] = round(_peak_mb())
    retriever.close()
    store.close()
    return out


def hnsw_recall(store: Any, d: dict[str, Any]) -> dict[str, Any]:
    """recall@10 of HNSW against exact search, and p50 ms, per hnsw_ef (unfiltered and filtered)."""
    import qdrant_edge as qe

    from app.kb.store.edge import to_edge_filter
    from app.kb.store.filters import build_filter

    def top(vec: list[float], params: Any, flt: Any) -> list[str]:
        request = qe.QueryRequest(
            limit=10, query=qe.Query.Nearest(vec, using=d["vector_name"]), params=params, filter=flt
        )
        return [str(p.id) for p in store.shard.query(request)]

    out: dict[str, Any] = {}
    chain = to_edge_filter(build_filter({"chain": "ethereum"}))
    news = to_edge_filter(build_filter({"type": "news"}))
    for label, flt in (("plain", None), ("chain", chain), ("type", news)):
        vecs = [d["vectors"][q] for q in d["questions"]]
        # Exact over the original vectors: quantized ones would make the truth approximate too.
        truth_params = qe.SearchParams(
            exact=True, quantization=qe.QuantizationSearchParams(ignore=True)
        )
        exact = [top(v, truth_params, flt) for v in vecs]
        for ef in (16, 32, 64, 128, 256, 512, 1024):
            times, hits = [], 0
            for v, truth in zip(vecs, exact, strict=True):
                t = time.perf_counter()
                got = top(
                    v, qe.SearchParams(hnsw_ef=ef, quantization=store.params.quantization), flt
                )
                times.append((time.perf_counter() - t) * 1000)
                hits += len(set(got) & set(truth))
            out[f"{label}_ef{ef}"] = {
                "recall@10": round(hits / (10 * len(vecs)), 4),
                "p50_ms": round(percentile(times, 50), 2),
            }
    return out


def _child(step: str, *args: str) -> tuple[dict[str, Any], float]:
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "bench.scale", "--child", step, *args],
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"{step} failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1]), time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--points", default="10000")
    parser.add_argument("--backends", default="edge,local")
    parser.add_argument("--queries", type=int, default=40)
    parser.add_argument("--local-max-s", type=float, default=60.0)
    parser.add_argument("--recall", action="store_true")
    parser.add_argument(
        "--skip-index", action="store_true", help="no HNSW build: exact search at every size"
    )
    parser.add_argument("--keep", action="store_true", help="keep the stores in --work")
    parser.add_argument(
        "--reuse", action="store_true", help="query stores kept by --keep instead of building"
    )
    parser.add_argument("--out", type=Path)
    parser.add_argument("--work", type=Path, help="working folder (default: a temporary one)")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        step, backend, path = args.child[0], args.child[1], Path(args.child[2])
        if step == "build":
            result = child_build(
                backend, path, int(args.child[3]), Path(args.child[4]), args.child[5] == "1"
            )
        else:
            result = child_query(backend, path, Path(args.child[3]), args.child[4] == "1")
        print(json.dumps(result))
        return
    work = args.work or Path(tempfile.mkdtemp(prefix="bench-scale-"))
    data = work / "real.pkl"
    if not data.exists():  # a --work folder keeps the embedded chunks between runs
        data = prepare(work, args.queries)
    sizes = [int(p) for p in args.points.split(",")]
    backends = args.backends.split(",")
    rows: list[dict[str, Any]] = []
    too_slow: set[str] = set()
    for n in sizes:
        for backend in backends:
            if backend in too_slow:
                continue
            path = work / f"{backend}-{n}"
            record = work / f"{backend}-{n}.built.json"
            if args.reuse and record.exists() and path.exists():
                built, build_s = json.loads(record.read_text()), 0.0
            else:
                shutil.rmtree(path, ignore_errors=True)
                path.mkdir(parents=True)
                skip = "1" if args.skip_index else "0"
                built, build_s = _child("build", backend, str(path), str(n), str(data), skip)
                record.write_text(json.dumps(built))
            last = n == max(sizes)
            queried, query_s = _child(
                "query", backend, str(path), str(data), "1" if args.recall and last else "0"
            )
            row = {"points": n, "backend": backend, **built, **queried}
            rows.append(row)
            print(json.dumps(row), flush=True)
            if max(build_s, query_s) > args.local_max_s and backend == "local":
                too_slow.add(backend)  # the baseline stops where a step passes the limit
            if not args.keep:
                shutil.rmtree(path, ignore_errors=True)
                record.unlink(missing_ok=True)
    if args.out:
        args.out.write_text(json.dumps(rows, indent=1))
    print(table(rows))


def table(rows: list[dict[str, Any]]) -> str:
    """The Markdown rows for docs/benchmarks.md."""
    cols = [
        ("points", "points"),
        ("backend", "engine"),
        ("open_s", "open s"),
        ("rss_after_open_mb", "RSS after open MB"),
        ("rss_after_queries_mb", "RSS after queries MB"),
        ("disk_mb", "disk MB"),
        ("upsert_s_per_1k", "upsert s/1k"),
        ("index_build_s", "HNSW build s"),
        ("plain_p50_ms", "plain p50/p95 ms"),
        ("filtered_p50_ms", "filtered p50/p95 ms"),
        ("address_p50_ms", "address p50/p95 ms"),
        ("fused_p50_ms", "fused p50/p95 ms"),
        ("full_scroll_s", "full scroll s"),
    ]
    lines = ["| " + " | ".join(c[1] for c in cols) + " |", "|" + " --- |" * len(cols)]
    for r in rows:
        cells = []
        for key, _ in cols:
            if key.endswith("_p50_ms"):
                cells.append(f"{r[key]} / {r[key.replace('p50', 'p95')]}")
            else:
                cells.append(str(r.get(key, "—")))
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
