"""Preference pairs from the service's ratings: a 👍 and a 👎 answer to the same question.

Only ratings bound to an answer the service gave count: anyone can post a rating, but only the
service writes the answers that become its training targets.
"""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
from typing import Any, ClassVar

from app.feedback.store import Feedback
from finetune.generators.base import Context, Work, run_units
from finetune.journal import Journal
from finetune.records import Provenance, Record

MAX_PAIRS_PER_QUESTION = 4


def question_key(text: str) -> str:
    """Questions that differ only in case and spacing are the same question."""
    return " ".join(text.casefold().split())


def pairs_of(ratings: list[Feedback], evidence: dict[str, list[str]], docs: dict[str, str]) -> Work:
    """Every (up, down) pair for one question, up to the cap; the chosen answer's sources'
    chunks are what its addresses are checked against."""
    ups = [f for f in ratings if f.rating == "up"]
    downs = [f for f in ratings if f.rating == "down"]
    dropped: Counter[str] = Counter()
    if not ups or not downs:
        dropped["feedback_unpaired_rating"] += len(ratings)
        return [], dropped
    records: list[Record] = []
    for up in ups:
        for down in downs:
            if len(records) == MAX_PAIRS_PER_QUESTION:
                dropped["feedback_pairs_over_cap"] += 1
                continue
            if up.answer.strip() == down.answer.strip():
                dropped["feedback_same_answer"] += 1
                continue
            sources = [str(s.get("source")) for s in up.sources if s.get("source")]
            records.append(
                Record(
                    instruction=up.question,
                    output=up.answer,
                    rejected=down.answer,
                    evidence=[t for s in sources for t in evidence.get(s, [])],
                    provenance=Provenance(
                        generator=FeedbackGenerator.name,
                        sources=sources,
                        # The document key, so the split keeps it with its other records.
                        doc=docs.get(sources[0], sources[0]) if sources else None,
                        doc_source=sources[0] if sources else None,
                        detail=f"chosen {up.id}, rejected {down.id}",
                    ),
                )
            )
    return records, dropped


class FeedbackGenerator:
    """Reads the feedback table through FeedbackStore.list()."""

    name: ClassVar[str] = "feedback"
    needs_llm: ClassVar[bool] = False

    async def generate(self, ctx: Context, journal: Journal, count: int | None) -> Work:
        """count: at most this many pairs (the build caps it)."""
        assert ctx.feedback is not None
        groups: dict[str, list[Feedback]] = defaultdict(list)
        unbound = 0
        for f in ctx.feedback.list():
            if f.bound:
                groups[question_key(f.question)].append(f)
            else:
                unbound += 1
        texts: dict[str, list[str]] = defaultdict(list)
        docs: dict[str, str] = {}
        for c in ctx.kb.chunks:
            texts[c.source].append(f"{c.text}\n{' '.join(c.addresses)}")
            docs.setdefault(c.source, c.doc_id)

        def work(ratings: list[Feedback]) -> Any:
            async def run() -> Work:
                return pairs_of(ratings, texts, docs)

            return run

        units = [
            ("question:" + hashlib.sha256(k.encode()).hexdigest()[:16] + f":{len(g)}", work(g))
            for k, g in sorted(groups.items())
        ]
        records, dropped = await run_units(self.name, units, journal, ctx.options.progress)
        if unbound:
            dropped["feedback_unbound"] += unbound
        return records, dropped
