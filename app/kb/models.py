"""The document and chunk schema shared by ingestion, the store and retrieval."""

from __future__ import annotations

import hashlib
import json
import uuid
from typing import Any, Literal

from pydantic import BaseModel, Field

from app.kb.trust import Trust

DocType = Literal["protocol", "contract", "news", "blog", "other"]
DOC_TYPES: tuple[str, ...] = ("protocol", "contract", "news", "blog", "other")
VOLATILE_METADATA = ("block_number",)
# Metadata of a token on several chains: {chain: [EIP-55 address, ...]}, and its chain list.
ADDRESSES_BY_CHAIN = "addresses_by_chain"
CHAINS = "chains"

# Fixed namespace so that the same source and content always map to the same point id.
_POINT_NAMESPACE = uuid.UUID("6f1c1d2e-8f7a-4c8e-9a53-0c1d2f5b7e11")


class SourceMeta(BaseModel):
    """What a document says about itself; every chunk carries it too."""

    source: str = Field(description="path relative to the ingested folder, or the URL")
    title: str
    type: DocType = "other"
    url: str | None = None
    protocol: str | None = None
    chain: str | None = None
    published_at: str | None = None
    metadata: dict[str, Any] = Field(default_factory=dict)
    # Set by ingestion from where the document came from, never by the document itself: the
    # least trusted level unless the operator's own folder or list is the origin.
    trust: Trust = "fetched"


class Document(SourceMeta):
    """One source document: a file, a registry entry, a page or a feed item."""

    doc_id: str = Field(description="stable key: absolute path, URL, or registry key")
    text: str
    # The addresses the document is about (front matter, registry entries).
    addresses: list[str] = Field(default_factory=list)

    def fingerprint(self) -> str:
        """Hash of everything that ends up in the store, so unchanged documents are skipped."""
        payload = self.model_dump(mode="json")
        # When a fact was read is not part of what it says: a new block alone is no change.
        for key in VOLATILE_METADATA:
            payload["metadata"].pop(key, None)
        blob = json.dumps(payload, sort_keys=True, ensure_ascii=False, default=str)
        return hashlib.sha256(blob.encode("utf-8")).hexdigest()

    def source_meta(self) -> dict[str, Any]:
        """The fields every chunk of this document repeats."""
        return self.model_dump(include=set(SourceMeta.model_fields))


class Chunk(SourceMeta):
    """A piece of a document sized for the embedder, with the payload stored beside its vector."""

    id: str
    doc_id: str
    doc_hash: str
    index: int
    text: str
    # Every address the chunk mentions, and the ones its document is about (front matter).
    addresses: list[str] = Field(default_factory=list)
    subject_addresses: list[str] = Field(default_factory=list)

    @property
    def embed_text(self) -> str:
        """What the embedder sees: the title travels with every chunk."""
        return f"{self.title}\n{self.text}"

    def payload(self) -> dict[str, Any]:
        """The Qdrant payload for this chunk."""
        data = self.model_dump(mode="json", exclude={"id"})
        return data


def point_id(doc_id: str, index: int, text: str) -> str:
    """Deterministic UUID from the document key, the chunk's place and its content."""
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    return str(uuid.uuid5(_POINT_NAMESPACE, f"{doc_id}\x00{index}\x00{digest}"))


class ScoredChunk(BaseModel):
    """A retrieved chunk with its score and why it was retrieved."""

    chunk: Chunk
    score: float
    matched: Literal["address", "dense", "hybrid", "lexical"] = "dense"
    # Its document declares an address the question asked about as its subject (not a mention).
    about_asked: bool = False
