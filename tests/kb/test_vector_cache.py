"""The sentence-vector cache: content-hash keys, a bound, a side store other processes read."""

from __future__ import annotations

from pathlib import Path

import anyio
import numpy as np
import pytest

from app.kb.vector_cache import QuestionOnce, VectorCache, new_question
from tests.support.fakes import HashEmbedder


class CountingEmbedder(HashEmbedder):
    """The hashed embedder, counting the texts it was asked to embed."""

    def __init__(self, name: str = "test/hash-embedder") -> None:
        self.name = name
        self.texts: list[str] = []

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        self.texts += texts
        return super().embed_documents(texts)

    def embed_query(self, text: str) -> list[float]:
        return self.embed_documents([text])[0]


def test_each_text_is_embedded_once_and_vectors_are_the_models() -> None:
    embedder = CountingEmbedder()
    cache = VectorCache(embedder)  # type: ignore[arg-type]
    texts = ["Aave is a lending market.", "Curve pools stable assets.", "Aave is a lending market."]
    first = cache.vectors(texts)
    assert embedder.texts == texts[:2]  # a repeat within one call is embedded once too
    again = cache.vectors(list(reversed(texts)))
    assert embedder.texts == texts[:2]  # nothing new
    assert first.shape == (3, embedder.dim) and first.dtype == np.float64
    expected = np.asarray(HashEmbedder().embed_documents(texts), dtype=np.float32)
    assert np.array_equal(first, expected.astype(np.float64))
    assert np.array_equal(again, first[::-1])
    assert cache.vectors([]).shape == (0, embedder.dim)


def test_keys_are_content_hashes_of_the_model_and_the_text() -> None:
    cache = VectorCache(CountingEmbedder())  # type: ignore[arg-type]
    other_model = VectorCache(CountingEmbedder("test/other-model"))  # type: ignore[arg-type]
    key = cache.key("Aave is a lending market.")
    assert key == cache.key("Aave is a lending market.")
    assert key != cache.key("Aave is a lending market!")  # an edited sentence is a new entry
    assert key != other_model.key("Aave is a lending market.")  # vectors never cross models


def test_the_bound_drops_the_least_recently_used() -> None:
    embedder = CountingEmbedder()
    cache = VectorCache(embedder, max_entries=2)  # type: ignore[arg-type]
    cache.vectors(["one sentence", "two sentence"])
    cache.vectors(["one sentence"])  # used again: "two" is now the oldest
    cache.vectors(["three sentence"])
    assert len(cache) == 2
    embedder.texts.clear()
    cache.vectors(["one sentence", "three sentence"])
    assert embedder.texts == []
    cache.vectors(["two sentence"])
    assert embedder.texts == ["two sentence"]  # dropped, so embedded again
    with pytest.raises(ValueError):
        VectorCache(embedder, max_entries=0)  # type: ignore[arg-type]


def test_the_side_store_serves_another_process(tmp_path: Path) -> None:
    path = tmp_path / "sentence_vectors.sqlite"
    writer = VectorCache(CountingEmbedder(), path=path)  # type: ignore[arg-type]
    writer.remember(["Aave is a lending market.", "Curve pools stable assets."])
    writer.add(["a chunk computed by ingestion"], [[1.0] + [0.0] * 63])
    writer.close()
    embedder = CountingEmbedder()
    reader = VectorCache(embedder, max_entries=1, path=path)  # type: ignore[arg-type]
    got = reader.vectors(["Curve pools stable assets.", "a chunk computed by ingestion"])
    assert embedder.texts == []  # read from the file, not embedded
    assert got[1][0] == 1.0
    reader.vectors(["Aave is a lending market.", "Curve pools stable assets."])
    assert embedder.texts == []  # dropped from memory by the bound, still on disk
    reader.close()


def test_a_question_is_embedded_once_per_request_and_again_in_the_next() -> None:
    embedder = CountingEmbedder()
    asked = QuestionOnce(embedder)  # type: ignore[arg-type]

    async def request() -> None:
        new_question()
        first = asked.embed_query("What is Aave?")
        # A step run in a worker thread (retrieval) shares the request's memo.
        again = await anyio.to_thread.run_sync(asked.embed_query, "What is Aave?")
        assert again == first

    anyio.run(request)
    assert embedder.texts == ["What is Aave?"]
    anyio.run(request)  # a new request embeds it again: nothing outlives a request
    assert embedder.texts == ["What is Aave?", "What is Aave?"]
    asked.embed_query("What is Aave?")  # outside a request: the model itself
    assert len(embedder.texts) == 3
