"""Retrieved chunks as fenced, escaped, capped blocks in the hidden prompt, and their sources."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

from app.kb.models import ScoredChunk
from app.kb.trust import Trust
from app.rag.prompts import Prompts

MAX_CHUNK_CHARS = 4000
# Control, zero-width and bidirectional characters hide text from readers, not from models.
_INVISIBLE = re.compile(
    r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]"
)


@dataclass
class Source:
    """One cited document."""

    index: int
    source: str
    title: str
    url: str | None
    score: float
    # The stored document's key (its absolute path or URL): two files with the same relative
    # path from different folders are two sources. Empty for on-chain lookups.
    doc_id: str = ""
    # The curated token list, the operator's folders, a live read, or a fetched feed or page.
    trust: Trust = "fetched"

    def as_dict(self) -> dict[str, object]:
        """The API shape: url only when known."""
        out: dict[str, object] = {
            "source": self.source,
            "title": self.title,
            "score": round(self.score, 4),
            "trust": self.trust,
        }
        if self.url:
            out["url"] = self.url
        return out


def sanitise(text: str, limit: int = MAX_CHUNK_CHARS) -> str:
    """Untrusted text made inert: invisible characters gone, markup escaped, length capped."""
    clean = _INVISIBLE.sub("", text)
    if len(clean) > limit:
        clean = clean[:limit] + " [truncated]"
    return html.escape(clean, quote=False)


def _attr(value: str) -> str:
    return html.escape(_INVISIBLE.sub("", value)[:200], quote=True)


def number_sources(hits: list[ScoredChunk]) -> list[Source]:
    """One numbered source per document, in rank order; [n] in answers refers to these."""
    sources: dict[str, Source] = {}
    for hit in hits:
        c = hit.chunk
        # By document key, not by `source`: that is relative to the folder it was ingested from.
        if c.doc_id not in sources:
            sources[c.doc_id] = Source(
                len(sources) + 1, c.source, c.title, c.url, hit.score, c.doc_id, c.trust
            )
    return list(sources.values())


def source_numbers(sources: list[Source]) -> dict[str, int]:
    """Each cited document's key mapped to its number, for tagging its chunks."""
    return {s.doc_id: s.index for s in sources if s.doc_id}


def build_context(hits: list[ScoredChunk], sources: list[Source], prompts: Prompts) -> str:
    """The knowledge-base block of the system prompt."""
    index = source_numbers(sources)
    blocks = []
    for hit in hits:
        c = hit.chunk
        extra = "".join(
            f' {k}="{_attr(v)}"'
            for k, v in (
                ("chain", c.chain),
                ("protocol", c.protocol),
                ("published_at", c.published_at),
                ("trust", c.trust),
            )
            if v
        )
        blocks.append(
            prompts.render(
                "document",
                index=index[c.doc_id],
                source=_attr(c.source),
                title=_attr(c.title),
                type=c.type,
                extra=extra,
                text=sanitise(c.text),
            )
        )
    return "\n\n".join(blocks) if blocks else "(no documents matched)"
