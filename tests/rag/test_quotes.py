"""Extractive bullets quote their source word for word (real model, sample corpus)."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable
from pathlib import Path

from app.rag.context import number_sources
from app.rag.extractive import extractive_answer
from app.services import Services

REPO = Path(__file__).resolve().parents[2]
_BULLET = re.compile(r"^- (?P<text>.+?) \[(?P<n>\d+)\]$")


def _flat(text: str) -> str:
    return " ".join(html.unescape(text).split())


def test_every_bullet_is_a_sentence_of_its_cited_chunk(
    sample_services: Callable[..., Services],
) -> None:
    services = sample_services()
    rows = (REPO / "eval" / "dev" / "questions.jsonl").read_text("utf-8").splitlines()
    questions = [json.loads(r)["q"] for r in rows if r.strip()]
    questions += ["Tell me about the Tornado Cash sanctions", "What is WETH?", "What is Lido?"]
    bullets = 0
    for question in questions:
        hits = services.retriever.retrieve(question, 5).hits
        sources = number_sources(hits)
        text = extractive_answer(
            question, hits, sources, services.embedder, services.prompts, "no model"
        )
        for line in text.splitlines():
            match = _BULLET.match(line)
            if not match:
                continue
            bullets += 1
            source = sources[int(match["n"]) - 1]
            chunks = [_flat(h.chunk.text) for h in hits if h.chunk.doc_id == source.doc_id]
            quote = _flat(match["text"])
            label = source.title.rstrip(" ?.:") + ": "
            # A label naming the document may stand before the quote; the quote is never edited.
            unlabelled = quote.removeprefix(label)
            assert any(quote in c or unlabelled in c for c in chunks), (question, line)
    assert bullets >= 60
