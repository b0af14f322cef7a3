"""Answers without a language model: the retrieved sentences closest to the question."""

from __future__ import annotations

import re

import numpy as np

from app.kb.embeddings import Embedder
from app.kb.models import ScoredChunk
from app.rag.context import Source, sanitise, source_numbers
from app.rag.prompts import Prompts

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(\[])|\n{2,}")
_MAX_SENTENCES = 3
_MAX_SENTENCE_CHARS = 600


def split_sentences(text: str) -> list[str]:
    """Sentences of a chunk, without Markdown headings or bare list markers."""
    out = []
    for part in _SENTENCE_END.split(text):
        sentence = " ".join(part.split()).lstrip("#-* ").strip()
        if len(sentence) >= 20:
            out.append(sentence[:_MAX_SENTENCE_CHARS])
    return out


def extractive_answer(
    question: str,
    hits: list[ScoredChunk],
    sources: list[Source],
    embedder: Embedder,
    prompts: Prompts,
    reason: str,
) -> str:
    """The most relevant sentences of the retrieved chunks, each tied to its source number."""
    if not hits:
        return prompts.render("no_context")
    index = source_numbers(sources)  # by document key: same-named files stay apart
    candidates: list[tuple[str, int, int]] = []  # sentence, source number, rank of its chunk
    for rank, hit in enumerate(hits):
        for sentence in split_sentences(hit.chunk.text):
            candidates.append((sentence, index[hit.chunk.doc_id], rank))
    if not candidates:
        return prompts.render("no_context")
    vectors = np.asarray(embedder.embed_documents([question, *(c[0] for c in candidates)]))
    similarity = vectors[1:] @ vectors[0]
    # Prefer sentences from higher-ranked chunks when similarity is close: the retriever
    # knows about exact address matches that sentence similarity cannot see.
    scores = [
        float(s) - 0.02 * rank for s, (_, _, rank) in zip(similarity, candidates, strict=True)
    ]
    order = sorted(range(len(candidates)), key=lambda i: -scores[i])
    chosen: list[int] = []
    if hits[0].matched == "address":
        # The question named this chunk's address: its best sentence leads.
        lead = next((i for i in order if candidates[i][2] == 0), None)
        if lead is not None:
            chosen.append(lead)
    for i in order:
        if len(chosen) >= _MAX_SENTENCES:
            break
        if candidates[i][0] not in {candidates[j][0] for j in chosen}:
            chosen.append(i)
    passages = "\n".join(f"- {sanitise(candidates[i][0])} [{candidates[i][1]}]" for i in chosen)
    return prompts.render("extractive", reason=reason, passages=passages)
