"""Dataset hygiene: exact and near duplicates, invented addresses, evaluation questions, and a
train/validation split by document."""

from __future__ import annotations

import hashlib
import json
from collections import Counter, defaultdict
from collections.abc import Iterable
from pathlib import Path

from app.evm.chains import chains_in
from app.rag.grounding import addresses_in, known_addresses
from finetune.kb import KnowledgeBase, scored
from finetune.records import Record
from finetune.rouge import RougeL

# Generators whose instructions are written by a model and can repeat each other; template
# phrasings are distinct facts by construction, rag records repeat their source's question on
# purpose, and feedback pairs are what users asked.
NEAR_DEDUPE = ("llm", "self-instruct")
QUESTION_FIELDS = ("q", "question", "instruction", "query", "prompt")

Dropped = Counter[str]


def load_questions(paths: Iterable[Path]) -> list[str]:
    """Questions from evaluation files: JSONL ({"q"|"question"|...}), a JSON list, or text
    lines."""
    out: list[str] = []
    for path in paths:
        raw = path.read_text("utf-8")
        items: list[object]
        try:
            data = json.loads(raw)
            items = data if isinstance(data, list) else [data]
        except json.JSONDecodeError:
            items = []
            for line in raw.splitlines():
                if line.strip():
                    try:
                        items.append(json.loads(line))
                    except json.JSONDecodeError:
                        items.append(line.strip())
        for item in items:
            if isinstance(item, str):
                out.append(item)
            elif isinstance(item, dict):
                text = next(
                    (item[k] for k in QUESTION_FIELDS if isinstance(item.get(k), str)), None
                )
                if text:
                    out.append(text)
    return out


def _norm(text: str) -> str:
    return " ".join(text.split())


def exact_key(r: Record) -> str:
    """Records equal up to whitespace share this key."""
    blob = json.dumps(
        [
            _norm(r.system),
            [[_norm(a), _norm(b)] for a, b in r.history],
            _norm(r.question),
            _norm(r.output),
            _norm(r.rejected or ""),
        ],
        ensure_ascii=False,
    )
    return hashlib.sha256(blob.encode()).hexdigest()


def bucket(question: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Addresses (as written) and chains a question names: questions about another address or
    chain ask something else, however alike their words."""
    return (
        tuple(sorted(set(addresses_in(question)))),
        tuple(sorted({c.name for c in chains_in(question)})),
    )


def invented(r: Record, kb: KnowledgeBase) -> list[str]:
    """Addresses the output names that neither its chunks nor its evidence contain."""
    named = addresses_in(r.output)
    if not named:
        return []
    chunks = kb.by_id
    own = [chunks[i] for i in r.provenance.chunk_ids if i in chunks]
    known = known_addresses(
        r.question, scored(own), [], *r.evidence, *(a for pair in r.history for a in pair)
    )
    return [a for a in named if a.lower() not in known]


class Hygiene:
    """Runs the checks in order and counts what each one dropped, per generator."""

    def __init__(self, kb: KnowledgeBase, exclude: list[str], rouge: RougeL | None = None) -> None:
        self.kb = kb
        self.exclude = exclude
        # Addresses are keys: a record about an address an evaluation question asks about
        # would teach its answer, however differently it is worded.
        self.exclude_addresses = {a.lower() for q in exclude for a in addresses_in(q)}
        self.rouge = rouge or RougeL()
        self.dropped: dict[str, Dropped] = defaultdict(Counter)

    def clean(self, records: list[Record]) -> list[Record]:
        """The records that pass every check, in their order."""
        kept: list[Record] = []
        seen: set[str] = set()
        pool: dict[tuple[tuple[str, ...], tuple[str, ...]], list[str]] = defaultdict(list)
        for r in records:
            gen = r.provenance.generator
            key = exact_key(r)
            if key in seen:
                self.dropped[gen]["exact_duplicate"] += 1
                continue
            if invented(r, self.kb):
                self.dropped[gen]["invented_address"] += 1
                continue
            question = r.question
            if self.excluded(question):
                self.dropped[gen]["evaluation_question"] += 1
                continue
            b = bucket(question)
            if gen in NEAR_DEDUPE and self.rouge.nearest(question, pool[b]) is not None:
                self.dropped[gen]["near_duplicate"] += 1
                continue
            seen.add(key)
            if gen != "rag":
                pool[b].append(question)
            kept.append(r)
        return kept

    def excluded(self, question: str) -> bool:
        """True when an evaluation question is near this one or names one of its addresses."""
        if {a.lower() for a in addresses_in(question)} & self.exclude_addresses:
            return True
        return self.rouge.nearest(question, self.exclude) is not None


def split(records: list[Record], validation: float, seed: int) -> list[Record]:
    """Records with their split: whole documents go to validation, chosen by a seeded hash, so
    that no document is in both."""
    groups = sorted({r.group for r in records})
    order = sorted(groups, key=lambda g: hashlib.sha256(f"{seed}:{g}".encode()).hexdigest())
    n = round(validation * len(groups))
    if validation > 0 and len(groups) > 1:
        n = min(max(n, 1), len(groups) - 1)
    held = set(order[:n])
    return [
        r.model_copy(update={"split": "validation" if r.group in held else "train"})
        for r in records
    ]
