"""Embedding throughput of the torch, ONNX and ONNX int8 backends on the same chunks, in one run.

Usage (from the repo root):
    .venv/bin/python -m bench.embeddings [--chunks 1000] [--rounds 2]

The chunks are the pipeline's own (copies of the sample corpus, chunked as ingestion does). The
backends take turns on each slice of 128 chunks (the order rotating), so a machine whose load
changes from minute to minute slows each alike; a round covers every chunk once per backend.
Also printed: how close each backend's vectors are to torch's (cosine of a chunk's two vectors),
and each rate against torch at its default batch and against the faster of the two torch rows.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

from app.core.settings import EmbeddingSettings
from app.kb.embeddings import Embedder, build_embedder
from bench.common import make_corpus
from ingest.chunking import Chunker
from ingest.sources.files import load_file, walk

SLICE = 128
BACKENDS = {
    "torch": {"backend": "torch"},
    # torch at a smaller batch than its default 64, which suits it better on 2 cores: the
    # ONNX figures are also compared with this, not only with the default.
    "torch-b16": {"backend": "torch", "batch_size": 16},
    "onnx": {"backend": "onnx", "quantize": "none"},
    "onnx-int8": {"backend": "onnx", "quantize": "int8"},
}


def chunk_texts(embedder: Embedder, wanted: int) -> list[str]:
    """About `wanted` chunk texts from copies of the sample corpus, as ingestion makes them."""
    chunker = Chunker(embedder.count_tokens, embedder.max_tokens)
    with tempfile.TemporaryDirectory() as tmp:
        probe, corpus = Path(tmp) / "probe", Path(tmp) / "corpus"
        make_corpus(probe, 1)
        per_copy = sum(len(chunker.split(d, "x")) for i in walk(probe) for d in load_file(i))
        make_corpus(corpus, max(1, round(wanted / per_copy)))
        return [
            c.embed_text
            for i in walk(corpus)
            for d in load_file(i)
            for c in chunker.split(d, d.fingerprint())
        ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chunks", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--cache-dir", type=Path, help="where ONNX exports go (default: cache)")
    args = parser.parse_args()
    embedders: dict[str, Embedder] = {}
    for name, options in BACKENDS.items():
        started = time.perf_counter()
        settings = EmbeddingSettings(cache_dir=args.cache_dir, **options)  # type: ignore[arg-type]
        embedders[name] = build_embedder(settings)
        print(f"{name}: ready in {time.perf_counter() - started:.1f} s", flush=True)
    texts = chunk_texts(embedders["torch"], args.chunks)
    rates: dict[str, list[float]] = {name: [] for name in embedders}
    vectors: dict[str, np.ndarray] = {}
    for embedder in embedders.values():
        embedder.embed_documents(texts[:128])  # warm-up: first batches allocate
    names = list(embedders)
    for _ in range(args.rounds):
        spent = dict.fromkeys(names, 0.0)
        parts: dict[str, list[list[float]]] = {name: [] for name in names}
        for n, start in enumerate(range(0, len(texts), SLICE)):
            part = texts[start : start + SLICE]
            for name in names[n % len(names) :] + names[: n % len(names)]:
                started = time.perf_counter()
                parts[name].extend(embedders[name].embed_documents(part))
                spent[name] += time.perf_counter() - started
        for name in names:
            vectors[name] = np.array(parts[name])
            rates[name].append(len(texts) / spent[name])
        print("  " + "  ".join(f"{n}: {rates[n][-1]:.1f} chunks/s" for n in names), flush=True)
    torch_rate = statistics.median(rates["torch"])
    best_torch = max(statistics.median(rates[n]) for n in names if n.startswith("torch"))
    print(f"{len(texts)} chunks, {args.rounds} rounds; median chunks/s, cosine to torch's vectors")
    print(
        f"{'backend':10} {'chunks/s':>9} {'vs torch':>9} {'vs best torch':>14} "
        f"{'min cos':>8} {'mean cos':>9}"
    )
    for name in embedders:
        rate = statistics.median(rates[name])
        cos = (vectors[name] * vectors["torch"]).sum(axis=1)
        print(
            f"{name:10} {rate:9.1f} {rate / torch_rate:8.2f}x {rate / best_torch:13.2f}x "
            f"{cos.min():8.4f} {cos.mean():9.4f}"
        )


if __name__ == "__main__":
    main()
