"""Quotes and declines of answers: every extractive bullet verbatim in its cited document, and
questions the knowledge base does not cover declined (without sources) while answerable ones are
not."""

from __future__ import annotations

import html
import re
from collections import defaultdict
from collections.abc import Mapping, Sequence
from functools import lru_cache
from importlib.resources import files
from typing import Any, Protocol

from app.i18n.catalog import translations
from app.i18n.language import LANGUAGES
from app.rag.answer import Answer
from app.services import Services

# "- [Title: ]the sentence [n]": a bullet of the extractive block.
_BULLET = re.compile(r"^- (?P<text>.+?) \[(?P<n>\d+)\]$")
_MARKED = re.compile(r"“(?P<quote>.+)”$")
EXTRACTIVE = files("app.prompts").joinpath("extractive.md")


@lru_cache(maxsize=1)
def _headers() -> tuple[str, ...]:
    """How the extractive block opens in each language (its first words, before the reason)."""
    template = EXTRACTIVE.read_text("utf-8").strip()
    said = (translations(language).gettext(template) for language in LANGUAGES)
    return tuple(dict.fromkeys(re.split(r"[(（]", text, maxsplit=1)[0].strip() for text in said))


class Declines(Protocol):
    """What a graded answer records for these figures."""

    answerable: bool
    declined: bool
    sources: int
    quotes: int
    not_verbatim: list[str]


def _flat(text: str) -> str:
    return " ".join(text.split())


def documents(services: Services) -> dict[str, str]:
    """Each stored document's text (its chunks in order), whitespace collapsed, by document key."""
    parts: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for chunk in services.store.all_chunks():
        parts[chunk.doc_id].append((chunk.index, chunk.text))
    return {doc: _flat("\n".join(t for _, t in sorted(p))) for doc, p in parts.items()}


def quotes(answer: Answer, docs: Mapping[str, str]) -> tuple[int, list[str]]:
    """The extractive bullets of an answer, and those not found word for word in the cited
    document (a label naming the document, before the quote, aside)."""
    header = next((h for h in _headers() if f"\n{h}" in "\n" + answer.answer), None)
    if answer.mode != "extractive" or header is None:
        return 0, []
    block = ("\n" + answer.answer).split(f"\n{header}", 1)[1]
    by_number = {s.index: s for s in answer.sources}
    count, wrong = 0, []
    for line in block.splitlines():
        match = _BULLET.match(line.strip())
        if not match:
            continue
        count += 1
        text = _flat(html.unescape(match["text"]))
        source = by_number.get(int(match["n"]))
        doc = docs.get(source.doc_id, "") if source else ""
        label = f"{source.title.rstrip(' ?.:')}: " if source else ""
        if text in doc or (label and text.startswith(label) and text[len(label) :] in doc):
            continue
        # In another language the quote is marked as one ("- Title: “sentence” [n]").
        marked = _MARKED.search(text)
        if marked and marked["quote"] in doc:
            continue
        wrong.append(line.strip())
    return count, wrong


def figures(graded: Sequence[Declines]) -> dict[str, float]:
    """Quote and decline counts of a group of answers."""
    off = [g for g in graded if not g.answerable]
    on = [g for g in graded if g.answerable]
    out: dict[str, float] = {
        "quotes": sum(g.quotes for g in graded),
        "not_verbatim": sum(len(g.not_verbatim) for g in graded),
        "false_declines": sum(g.declined for g in on),
    }
    if off:
        out |= {
            "off_topic_n": len(off),
            "off_topic_declined": sum(g.declined for g in off),
            # Sources listed with an off-topic answer: unrelated by construction.
            "off_topic_with_sources": sum(g.sources > 0 for g in off),
        }
    return out


def lines(results: Mapping[str, Mapping[str, Mapping[str, Any]]]) -> list[str]:
    """Per configuration and kind: quotes not verbatim, declines, false declines."""
    out = []
    for name, by_kind in results.items():
        for kind, s in by_kind.items():
            if kind.startswith("turn "):
                continue
            row = f"[{name}] {kind}: quotes not verbatim {int(s.get('not_verbatim', 0))}"
            row += f" of {int(s.get('quotes', 0))}"
            if s.get("off_topic_n"):
                row += (
                    f"; declined {int(s['off_topic_declined'])} of {int(s['off_topic_n'])}"
                    f" ({s['off_topic_declined'] / s['off_topic_n']:.0%}),"
                    f" with sources listed {int(s['off_topic_with_sources'])}"
                )
            else:
                row += f"; false declines {int(s.get('false_declines', 0))} of {int(s['n'])}"
            out.append(row)
    return out
