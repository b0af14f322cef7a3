"""The ONNX backend: exported once from the packaged weights, same vectors, its own vector name."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from pydantic import ValidationError

from app.core.settings import EmbeddingSettings
from app.kb.embeddings import (
    OnnxEmbedder,
    SentenceTransformerEmbedder,
    build_embedder,
    token_batches,
    vector_name,
)

pytestmark = pytest.mark.integration

MODEL = "sentence-transformers/all-MiniLM-L6-v2"
TEXTS = [
    "What is WETH?",
    "Wrapped Ether (WETH) is an ERC-20 token that represents ether one to one.",
    "vault 0xBA12222222228d8Ba445958a75a0704d566BF2C8 holds the pool tokens",
    "liquidity " * 400,  # longer than 256 word pieces: truncated alike by both backends
    "x",
]


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("onnx-cache")


@pytest.fixture(scope="module")
def onnx(cache: Path) -> OnnxEmbedder:
    return OnnxEmbedder(MODEL, cache_dir=cache)


@pytest.fixture(scope="module")
def onnx_int8(cache: Path, onnx: OnnxEmbedder) -> OnnxEmbedder:
    return OnnxEmbedder(MODEL, cache_dir=cache, quantize="int8")


def _cosines(a: list[list[float]], b: list[list[float]]) -> np.ndarray:
    return (np.array(a) * np.array(b)).sum(axis=1)


def test_onnx_vectors_match_torch(
    onnx: OnnxEmbedder, embedder: SentenceTransformerEmbedder
) -> None:
    assert (onnx.dim, onnx.max_tokens) == (embedder.dim, embedder.max_tokens)
    cos = _cosines(onnx.embed_documents(TEXTS), embedder.embed_documents(TEXTS))
    assert cos.min() > 0.9999
    assert np.allclose(np.linalg.norm(onnx.embed_documents(TEXTS), axis=1), 1.0, atol=1e-5)
    assert onnx.embed_query(TEXTS[0]) == pytest.approx(onnx.embed_documents(TEXTS[:1])[0])
    assert onnx.count_tokens(TEXTS[3]) == embedder.count_tokens(TEXTS[3]) > 256


def test_int8_stays_close_to_torch(
    onnx_int8: OnnxEmbedder, embedder: SentenceTransformerEmbedder
) -> None:
    cos = _cosines(onnx_int8.embed_documents(TEXTS), embedder.embed_documents(TEXTS))
    assert cos.min() > 0.97


def test_each_backend_has_its_own_vector_name(
    onnx: OnnxEmbedder, onnx_int8: OnnxEmbedder, embedder: SentenceTransformerEmbedder
) -> None:
    names = {vector_name(e.name) for e in (embedder, onnx, onnx_int8)}
    # torch keeps the name stores made before the ONNX backend existed have.
    assert names == {
        "dense-all-minilm-l6-v2",
        "dense-all-minilm-l6-v2-onnx",
        "dense-all-minilm-l6-v2-onnx-int8",
    }


def test_export_happens_once_and_settings_select_it(cache: Path, onnx: OnnxEmbedder) -> None:
    files = sorted(cache.glob("*/*.onnx"))
    assert [f.name for f in files] == ["model-int8.onnx", "model.onnx"]
    stamps = [f.stat().st_mtime_ns for f in files]
    again = build_embedder(EmbeddingSettings(backend="onnx", quantize="int8", cache_dir=cache))
    assert isinstance(again, OnnxEmbedder) and again.name == f"{MODEL}@onnx-int8"
    assert [f.stat().st_mtime_ns for f in files] == stamps
    assert not list(cache.glob("*/*.tmp"))


def test_onnx_int8_is_the_default_and_int8_needs_onnx() -> None:
    default = EmbeddingSettings()
    assert (default.backend, default.quantize) == ("onnx", "int8")
    assert EmbeddingSettings(backend="torch").backend == "torch"
    with pytest.raises(ValidationError, match="needs CRYPTORAG_EMBEDDING_BACKEND=onnx"):
        EmbeddingSettings(backend="torch", quantize="int8")


def test_exported_graph_is_fused_for_cpu(cache: Path, onnx: OnnxEmbedder) -> None:
    import onnx as onnx_lib

    (fp32,) = cache.glob("*/model.onnx")
    ops = {node.op_type for node in onnx_lib.load(fp32).graph.node}
    # One fused kernel per attention block and per residual + LayerNorm, not their parts.
    assert {"Attention", "SkipLayerNormalization"} <= ops
    assert "Softmax" not in ops


def test_batches_of_any_size_give_the_same_vectors(cache: Path, onnx: OnnxEmbedder) -> None:
    small = OnnxEmbedder(MODEL, cache_dir=cache, batch_tokens=64)
    together = small.embed_documents(TEXTS)
    alone = [onnx.embed_documents([t])[0] for t in TEXTS]
    # Padding beside a longer text must not change a vector. (With int8 the activations'
    # scale is taken per batch, so there a vector moves with its batch, by cosine < 0.01.)
    assert _cosines(together, alone).min() > 0.9999


def test_token_batches_stay_within_the_budget() -> None:
    lengths = [256, 250, 120, 119, 60, 60, 60, 9, 3, 2, 1]
    order = list(range(len(lengths)))  # longest first, as the embedder sorts them
    batches = list(token_batches(order, lengths, max_count=4, max_tokens=256))
    assert [i for b in batches for i in b] == order
    for batch in batches:
        assert len(batch) <= 4
        assert len(batch) == 1 or len(batch) * lengths[batch[0]] <= 256
    assert batches[:3] == [[0], [1], [2, 3]]
    assert list(token_batches([0], [900], max_count=4, max_tokens=256)) == [[0]]
