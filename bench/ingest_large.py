"""Ingestion speed per chunk: one large Markdown file against many small ones, in one run.

Usage: .venv/bin/python -m bench.ingest_large [--mb 2] [--store edge|local]   (from the repo root)

Three runs, each into an empty store: copies of the sample documents (small files), one
generated Markdown file of --mb megabytes streamed in batches of chunks (today's pipeline),
and the same file written in one batch, as the pipeline did before it split documents.
`--store local` uses qdrant-client's local mode, the embedded store before Qdrant Edge.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import tempfile
import time
from pathlib import Path

from app.core.settings import EmbeddingSettings, StoreSettings
from app.kb.embeddings import SentenceTransformerEmbedder, vector_name
from app.kb.sparse import SparseEncoder
from app.kb.store import ServerStore, Store, open_client, open_store
from bench.common import SAMPLE, make_corpus
from ingest.chunking import Chunker
from ingest.pipeline import Pipeline
from ingest.sources.files import load_file, walk

BATCH = 256  # the pipeline's default
# Large enough that no document of the runs is split: the pipeline before documents streamed.
ONE_BATCH = 10**9


def make_large(path: Path, size: int) -> None:
    """A Markdown handbook of about `size` bytes: the sample documents as numbered sections."""
    bodies = []
    for doc in sorted(SAMPLE.glob("*.md")):
        text = doc.read_text("utf-8")
        if text.startswith("---"):
            text = text.split("\n---\n", 1)[1]
        bodies.append((doc.stem, text.replace("\n# ", "\n### ")))
    parts, total, n = ["# A large handbook\n"], 0, 0
    while total < size:
        stem, body = bodies[n % len(bodies)]
        part = f"\n## Part {n}: {stem}\n\n{body}\nRevision {n} of {stem}.\n"
        parts.append(part)
        total, n = total + len(part), n + 1
    path.write_text("".join(parts), "utf-8")


def open_bench_store(kind: str, data: Path, embedder: SentenceTransformerEmbedder) -> Store:
    """An empty store of the kind asked for under `data`."""
    settings = StoreSettings(data_dir=data, collection="bench")
    name = vector_name(embedder.name)
    if kind == "edge":
        return open_store(settings, name, embedder.dim, SparseEncoder.name)
    store = ServerStore(
        open_client(settings), "bench", name, embedder.dim, sparse_name=SparseEncoder.name
    )
    store.ensure_collection()
    return store


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mb", type=float, default=2.0, help="size of the large file")
    parser.add_argument("--store", choices=["edge", "local"], default="edge")
    args = parser.parse_args()
    settings = EmbeddingSettings()
    embedder = SentenceTransformerEmbedder(settings.model, batch_size=settings.batch_size)
    chunker = Chunker(embedder.count_tokens, embedder.max_tokens)
    embedder.embed_documents(["warm-up"] * 64)  # first batches allocate
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        large = root / "large" / "handbook.md"
        large.parent.mkdir()
        make_large(large, int(args.mb * 1024 * 1024))
        (doc,) = load_file(next(walk(large)))
        started = time.perf_counter()
        large_chunks = chunker.split(doc, doc.fingerprint())
        chunk_s = time.perf_counter() - started
        make_corpus(root / "probe", 1)
        per_copy = sum(
            len(chunker.split(d, "x")) for i in walk(root / "probe") for d in load_file(i)
        )
        small = root / "small"
        make_corpus(small, max(1, round(len(large_chunks) / per_copy)))
        small_chunks = [c for i in walk(small) for d in load_file(i) for c in chunker.split(d, "x")]
        print(
            f"large file: {large.stat().st_size / 1e6:.2f} MB, {len(large_chunks)} chunks, "
            f"chunked in {chunk_s:.1f}s; store: {args.store}"
        )
        for label, chunks in (("small files", small_chunks), ("large file", large_chunks)):
            tokens = [embedder.count_tokens(c.embed_text) for c in chunks]
            print(f"{label}: {len(chunks)} chunks, {statistics.mean(tokens):.0f} tokens each")
        runs = [
            ("small files", small, BATCH),
            ("large file, batches of chunks", large, BATCH),
            ("large file, one batch (before)", large, ONE_BATCH),
        ]
        for n, (label, target, batch) in enumerate(runs):
            store = open_bench_store(args.store, root / f"data-{n}", embedder)
            pipeline = Pipeline(store, embedder, chunker, SparseEncoder(), batch_chunks=batch)
            started, cpu = time.perf_counter(), _cpu_seconds()
            report = pipeline.ingest_paths([target])
            seconds, cpu = time.perf_counter() - started, _cpu_seconds() - cpu
            store.close()
            # CPU time per chunk is the work done; on a shared machine wall time also waits.
            print(
                f"{label}: {report.chunks} chunks in {seconds:.1f}s = "
                f"{report.chunks / seconds:.1f} chunks/s; "
                f"CPU {1000 * cpu / report.chunks:.0f} ms per chunk"
            )


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)  # every thread of this process
    return usage.ru_utime + usage.ru_stime


if __name__ == "__main__":
    main()
