"""The record every generator writes and every format converts: one instruction with its origin."""

from __future__ import annotations

import hashlib
import json
from typing import Literal

from pydantic import BaseModel, Field

Split = Literal["train", "validation"]


class Provenance(BaseModel):
    """Where a record comes from: the chunks and documents it rests on, and who wrote it."""

    generator: str
    model: str | None = None
    chunk_ids: list[str] = Field(default_factory=list)
    doc_ids: list[str] = Field(default_factory=list)
    sources: list[str] = Field(default_factory=list)
    # The document the answer rests on: records are split by it (none: the record's own id).
    doc: str | None = None
    doc_source: str | None = None
    detail: str | None = None


class Record(BaseModel):
    """An instruction, its optional input and history, the answer, and for preference pairs the
    rejected answer."""

    instruction: str
    input: str = ""
    output: str
    system: str = ""
    history: list[tuple[str, str]] = Field(default_factory=list)
    rejected: str | None = None
    provenance: Provenance
    split: Split = "train"
    # Extra text the addresses in the output may come from (seed tasks, feedback sources).
    evidence: list[str] = Field(default_factory=list)

    @property
    def id(self) -> str:
        """Stable id from the content, so reruns and resumes name a record the same way."""
        blob = json.dumps(
            [self.system, self.history, self.instruction, self.input, self.output, self.rejected],
            ensure_ascii=False,
        )
        return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:16]

    @property
    def question(self) -> str:
        """What the user asks: the instruction, with its input when there is one."""
        return f"{self.instruction}\n{self.input}" if self.input else self.instruction

    @property
    def group(self) -> str:
        """The key records are split by: their document, else their own id."""
        return self.provenance.doc or self.id

    @property
    def is_preference(self) -> bool:
        """True for chosen/rejected pairs."""
        return self.rejected is not None
