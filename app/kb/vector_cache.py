"""Vectors of texts the service embeds again and again (a chunk's sentences), computed once.

Keyed by a hash of the model's name and the exact text, so a vector can never outlive what it
encodes: an edited chunk has new sentences and so new keys. Held in memory under a bound (least
recently used first out) and, when given a file, in a SQLite side store beside the knowledge
base, which ingestion fills and every later process reads.
"""

from __future__ import annotations

import hashlib
import sqlite3
import threading
from collections import OrderedDict
from collections.abc import Sequence
from contextvars import ContextVar
from pathlib import Path

import numpy as np

from app.kb.embeddings import Embedder

# 20,000 vectors of 384 float32 are about 30 MB: the sentences of some 2,000 chunks.
DEFAULT_MAX_ENTRIES = 20_000
_SQLITE_VARIABLES = 500  # keys per SELECT ... IN (...), under SQLite's limit on parameters


class VectorCache:
    """Normalised vectors by content hash: misses are embedded in one batch and kept."""

    def __init__(
        self, embedder: Embedder, max_entries: int = DEFAULT_MAX_ENTRIES, path: Path | None = None
    ) -> None:
        if max_entries < 1:
            raise ValueError("max_entries must be at least 1")
        self.embedder = embedder
        self.max_entries = max_entries
        self.path = path
        self._memory: OrderedDict[bytes, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()
        self._db: sqlite3.Connection | None = None
        self.embedded = 0  # texts this cache had to embed (misses in memory and on disk)

    def key(self, text: str) -> bytes:
        """The content hash a text's vector is kept under."""
        return hashlib.sha256(f"{self.embedder.name}\x00{text}".encode()).digest()[:16]

    def vectors(self, texts: Sequence[str]) -> np.ndarray:
        """One row per text (float64 of the model's float32 vectors), in order."""
        keys = [self.key(t) for t in texts]
        found: dict[bytes, np.ndarray] = {}
        with self._lock:
            for k in keys:
                vector = self._memory.get(k)
                if vector is not None:
                    self._memory.move_to_end(k)
                    found[k] = vector
        wanted = list(dict.fromkeys(k for k in keys if k not in found))
        if wanted:
            stored = self._read(wanted)
            found |= stored
            missing = [k for k in wanted if k not in stored]
            if missing:
                first = {k: t for k, t in zip(keys, texts, strict=True)}
                new = self.embedder.embed_documents([first[k] for k in missing])
                fresh = {k: _row(v) for k, v in zip(missing, new, strict=True)}
                self.embedded += len(missing)
                self._write(fresh)
                found |= fresh
            self._keep({k: found[k] for k in wanted})
        if not keys:
            return np.zeros((0, self.embedder.dim))
        return np.stack([found[k] for k in keys]).astype(np.float64)

    def add(self, texts: Sequence[str], vectors: Sequence[Sequence[float]]) -> None:
        """Keep vectors already computed elsewhere (a chunk's, by ingestion) under their texts."""
        fresh = {
            self.key(t): np.asarray(v, dtype=np.float32)
            for t, v in zip(texts, vectors, strict=True)
        }
        self._write(fresh)
        self._keep(fresh)

    def remember(self, texts: Sequence[str]) -> None:
        """Make sure these texts have vectors (at ingestion), without returning them."""
        for start in range(0, len(texts), 256):
            self.vectors(texts[start : start + 256])

    def __len__(self) -> int:
        return len(self._memory)

    def close(self) -> None:
        """Close the side store's file."""
        with self._lock:
            if self._db is not None:
                self._db.close()
                self._db = None

    def _keep(self, vectors: dict[bytes, np.ndarray]) -> None:
        with self._lock:
            for k, v in vectors.items():
                self._memory[k] = v
                self._memory.move_to_end(k)
            while len(self._memory) > self.max_entries:
                self._memory.popitem(last=False)

    def _connection(self) -> sqlite3.Connection | None:
        if self.path is None:
            return None
        if self._db is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(self.path, check_same_thread=False, timeout=30)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("CREATE TABLE IF NOT EXISTS vectors (key BLOB PRIMARY KEY, vector BLOB)")
            self._db = db
        return self._db

    def _read(self, keys: list[bytes]) -> dict[bytes, np.ndarray]:
        out: dict[bytes, np.ndarray] = {}
        with self._lock:
            db = self._connection()
            if db is None:
                return out
            for start in range(0, len(keys), _SQLITE_VARIABLES):
                part = keys[start : start + _SQLITE_VARIABLES]
                marks = ",".join("?" * len(part))
                rows = db.execute(f"SELECT key, vector FROM vectors WHERE key IN ({marks})", part)
                for key, blob in rows:
                    out[bytes(key)] = np.frombuffer(blob, dtype=np.float32)
        return out

    def _write(self, vectors: dict[bytes, np.ndarray]) -> None:
        with self._lock:
            db = self._connection()
            if db is None:
                return
            with db:
                db.executemany(
                    "INSERT OR IGNORE INTO vectors (key, vector) VALUES (?, ?)",
                    [(k, v.tobytes()) for k, v in vectors.items()],
                )


# The question vectors of the request this context serves (see QuestionOnce).
_ASKED: ContextVar[dict[str, list[float]] | None] = ContextVar("asked", default=None)


def new_question() -> None:
    """Start a request's memo of question vectors in the current context: from here on, the
    retriever, the coverage check and the extractive answer share one embedding of a question.
    Threads started with the context copied (anyio.to_thread) share the memo."""
    _ASKED.set({})


class QuestionOnce:
    """An embedder that embeds each question once per request (after `new_question()`), however
    many steps ask for its vector; outside a request, and for documents, it is the model itself.
    Nothing outlives the request, so a question asked again is embedded again."""

    def __init__(self, embedder: Embedder) -> None:
        self.inner = embedder
        self.name = embedder.name
        self.dim = embedder.dim
        self.max_tokens = embedder.max_tokens

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        """Vectors for chunks, in order."""
        return self.inner.embed_documents(texts)

    def embed_query(self, text: str) -> list[float]:
        """The vector for one question: the request's, when it was embedded already."""
        asked = _ASKED.get()
        if asked is None:
            return self.inner.embed_query(text)
        vector = asked.get(text)
        if vector is None:
            vector = asked[text] = self.inner.embed_query(text)
        return vector

    def count_tokens(self, text: str) -> int:
        """Word pieces the model sees for this text, special tokens included."""
        return self.inner.count_tokens(text)


def _row(vector: Sequence[float]) -> np.ndarray:
    return np.asarray(vector, dtype=np.float32)
