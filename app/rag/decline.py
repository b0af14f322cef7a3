"""A declined answer: "not covered" said plainly, and a model's own refusal recognised."""

from __future__ import annotations

import re
from collections.abc import Sequence

from app.kb.models import ScoredChunk
from app.rag.context import sanitise
from app.rag.coverage import NEAREST
from app.rag.prompts import Prompts

# What a model says when the documents do not answer (the system prompt asks it to say that
# the knowledge base does not cover the question); read in the reply's opening only.
_REFUSAL = re.compile(
    r"\b(?:knowledge base|documents?|sources?|context)\b[^.]{0,60}?\b(?:does not|doesn't|do not|"
    r"don't|did not)\s+(?:cover|contain|mention|include|say|answer|have)"
    r"|\bnot (?:covered|mentioned|found) in the (?:knowledge base|documents?|sources?)"
    r"|\b(?:no|not enough) information (?:about|on|in)\b"
    r"|\bI (?:do not|don't|cannot|can't) (?:know|find|answer)\b",
    re.IGNORECASE,
)
_OPENING = 300  # characters: a refusal comes first, a caveat deep in an answer is not one


def declined(hits: Sequence[ScoredChunk], prompts: Prompts) -> str:
    """The answer when the knowledge base does not cover the question, naming at most the
    nearest documents, as such."""
    text = prompts.render("not_covered")
    titles: list[str] = []
    for hit in hits:
        title = sanitise(hit.chunk.title, limit=200)
        if title not in titles:
            titles.append(title)
        if len(titles) == NEAREST:
            break
    if titles:
        text += " " + prompts.render("nearest", titles="; ".join(f"“{t}”" for t in titles))
    return text


def refuses(reply: str) -> bool:
    """Whether a model's reply says the knowledge base does not answer the question."""
    return _REFUSAL.search(reply[:_OPENING]) is not None
