"""Ingestion throughput against raw model.encode on the same chunks, in one run.

Usage: .venv/bin/python -m bench.ingest [--chunks 2000]   (from the repo root)
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from app.core.settings import EmbeddingSettings, StoreSettings
from app.kb.embeddings import SentenceTransformerEmbedder, vector_name
from app.kb.sparse import SparseEncoder
from app.kb.store import open_store
from bench.common import make_corpus
from ingest.chunking import Chunker
from ingest.pipeline import Pipeline
from ingest.sources.files import load_file, walk


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--chunks", type=int, default=2000)
    args = parser.parse_args()
    settings = EmbeddingSettings()
    embedder = SentenceTransformerEmbedder(settings.model, batch_size=settings.batch_size)
    chunker = Chunker(embedder.count_tokens, embedder.max_tokens)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        make_corpus(root / "probe", 1)
        per_copy = sum(
            len(chunker.split(d, "x")) for i in walk(root / "probe") for d in load_file(i)
        )
        copies = max(1, round(args.chunks / per_copy))
        corpus = root / "corpus"
        make_corpus(corpus, copies)
        texts = [
            c.embed_text
            for i in walk(corpus)
            for d in load_file(i)
            for c in chunker.split(d, d.fingerprint())
        ]
        embedder.embed_documents(texts[:128])  # warm-up: first batches allocate

        def raw() -> float:
            start = time.perf_counter()
            embedder.model.encode(
                texts,
                batch_size=embedder.batch_size,
                normalize_embeddings=True,
                show_progress_bar=False,
            )
            return len(texts) / (time.perf_counter() - start)

        raw_before = raw()
        store = open_store(
            StoreSettings(data_dir=root / "data", collection="bench"),
            vector_name(embedder.name),
            embedder.dim,
            SparseEncoder.name,
        )
        start = time.perf_counter()
        report = Pipeline(store, embedder, chunker, SparseEncoder()).ingest_paths([corpus])
        ingest_rate = report.chunks / (time.perf_counter() - start)
        store.close()
        raw_after = raw()
    raw_rate = (raw_before + raw_after) / 2
    print(f"chunks: {len(texts)} (documents: {report.documents})")
    print(f"raw model.encode: {raw_rate:.1f} chunks/s (runs: {raw_before:.1f}, {raw_after:.1f})")
    print(f"cryptorag ingest: {ingest_rate:.1f} chunks/s (load, chunk, embed, upsert)")
    print(f"ratio: {ingest_rate / raw_rate:.1%} of raw encode (target >= 85%)")


if __name__ == "__main__":
    main()
