"""Numbered sources: one per stored document, never merged by relative path."""

from __future__ import annotations

import re

from app.kb.models import Chunk, ScoredChunk
from app.prompts import FOLDER as PROMPTS
from app.rag.context import build_context, number_sources, source_numbers
from app.rag.prompts import Prompts


def _hit(doc_id: str, source: str, title: str, text: str, score: float) -> ScoredChunk:
    meta = {"source": source, "title": title}
    chunk = Chunk(id=doc_id + text, doc_id=doc_id, doc_hash="h", index=0, text=text, **meta)
    return ScoredChunk(chunk=chunk, score=score)


HITS = [
    _hit("/home/me/notes/aave.md", "aave.md", "My Aave notes", "I lend USDC on Aave v3.", 0.9),
    _hit("/srv/samples/corpus/aave.md", "aave.md", "Aave", "Aave is a lending protocol.", 0.8),
    _hit("/home/me/notes/aave.md", "aave.md", "My Aave notes", "My health factor is 1.8.", 0.7),
]


def test_same_relative_path_from_two_folders_is_two_sources() -> None:
    sources = number_sources(HITS)
    assert [(s.index, s.source, s.title) for s in sources] == [
        (1, "aave.md", "My Aave notes"),
        (2, "aave.md", "Aave"),
    ]
    assert sources[0].score == 0.9
    # The API shape still says only the relative path: the server's folders stay private.
    assert sources[1].as_dict() == {
        "source": "aave.md",
        "title": "Aave",
        "score": 0.8,
        "trust": "fetched",  # a chunk stored before trust levels existed ranks lowest
    }
    assert source_numbers(sources) == {
        "/home/me/notes/aave.md": 1,
        "/srv/samples/corpus/aave.md": 2,
    }


def test_each_chunk_in_the_prompt_carries_its_own_documents_number() -> None:
    context = build_context(HITS, number_sources(HITS), Prompts(PROMPTS))
    tagged = re.findall(r'<document index="(\d)" source="aave.md" title="([^"]+)"', context)
    assert tagged == [("1", "My Aave notes"), ("2", "Aave"), ("1", "My Aave notes")]
