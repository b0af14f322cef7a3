"""Deterministic stand-ins for unit tests that need no model weights."""

from __future__ import annotations

import hashlib
import math
import re


class HashEmbedder:
    """Bag-of-words hashed into a small normalised vector: same text, same vector."""

    name = "test/hash-embedder"
    dim = 64
    max_tokens = 64

    def _vector(self, text: str) -> list[float]:
        vec = [0.0] * self.dim
        for word in re.findall(r"\w+", text.lower()):
            slot = int(hashlib.md5(word.encode()).hexdigest(), 16) % self.dim
            vec[slot] += 1.0
        norm = math.sqrt(sum(v * v for v in vec)) or 1.0
        return [v / norm for v in vec]

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return [self._vector(t) for t in texts]

    def embed_query(self, text: str) -> list[float]:
        return self._vector(text)

    def count_tokens(self, text: str) -> int:
        return len(text.split()) + 2
