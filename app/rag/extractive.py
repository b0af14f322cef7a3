"""Answers without a language model: the retrieved sentences closest to the question."""

from __future__ import annotations

import re
from collections.abc import Callable, Set
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from app.evm.addresses import ADDRESS_RE
from app.evm.chains import chains_in
from app.i18n.catalog import _
from app.kb.embeddings import Embedder
from app.kb.models import Chunk, ScoredChunk
from app.kb.vector_cache import VectorCache
from app.rag.context import Source, sanitise, source_numbers
from app.rag.prompts import Prompts

# Sentence ends, blank lines, and list items (each item is a statement of its own).
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(\[])|\n{2,}|\n(?=[ \t]*[-*] )")
_MAX_SENTENCES = 3
_MAX_SENTENCE_CHARS = 600
# A source is used only when its best sentence scores at least this share of the best source's:
# a weak fourth source adds noise, not facts (chosen with `cryptorag eval answers`).
RELEVANCE_RATIO = 0.8
# Sentences closer than this (cosine) to one already chosen say the same thing again.
DUPLICATE_SIMILARITY = 0.9
# Words a sentence must share with the question to count as lexical evidence.
_WORD = re.compile(r"[A-Za-z0-9][\w.-]*[A-Za-z0-9]")
_STOPWORDS = frozenset(
    [
        "the",
        "and",
        "for",
        "are",
        "was",
        "were",
        "what",
        "which",
        "who",
        "whom",
        "how",
        "why",
        "when",
        "where",
        "does",
        "did",
        "is",
        "its",
        "it",
        "this",
        "that",
        "with",
        "from",
        "into",
        "about",
        "token",
        "tokens",
        "address",
        "contract",
        "on",
        "of",
        "in",
        "to",
        "a",
        "an",
        "be",
        "by",
        "can",
        "do",
        "has",
        "have",
        "there",
        "their",
        "they",
        "them",
        "than",
        "then",
        "will",
        "would",
        "should",
        "could",
    ]
)
LEXICAL_WEIGHT = 0.25
# Added to the top document's opening sentence when the question asks what something is.
DEFINITION_BONUS = 0.2
_DEFINES = re.compile(
    r"^\s*(what|who)('s|\s+(is|are|was|were))\s+(an?\s+|the\s+)?[\w$.-]+(\s+[\w$.-]+){0,3}\s*\??\s*$",
    re.IGNORECASE,
)
BARE_ITEM_PENALTY = 0.1
# With an address block, a question needs this many content words besides the address for
# sentences of documents other than the address's own to be added.
_MIN_TERMS = 2
_WHERE = re.compile(r"\b(address|addresses|contract|deployed|where|chains?)\b", re.IGNORECASE)


@dataclass
class Candidate:
    """A sentence with its source number and the rank of the chunk it comes from."""

    text: str  # the sentence exactly as the document has it
    source: int
    rank: int
    label: str = ""  # the document it comes from, said before the quote when it names nothing of it


def split_sentences(text: str) -> list[str]:
    """Sentences of a chunk, without Markdown headings or bare list markers."""
    out = []
    for part in _SENTENCE_END.split(text):
        sentence = " ".join(part.split()).lstrip("#-* ").strip()
        # A line that introduces a list says nothing without it.
        if len(sentence) >= 20 and not sentence.endswith(":"):
            out.append(sentence[:_MAX_SENTENCE_CHARS])
    return out


def _key_terms(chunk: Chunk) -> set[str]:
    found = set(terms(chunk.title))
    for value in (chunk.protocol, chunk.metadata.get("symbol")):
        if isinstance(value, str) and value.strip():
            found.add(value.strip().lower())
    return found


def names_subject(sentence: str, chunk: Chunk) -> bool:
    """Whether a sentence names what its document is about (its protocol, symbol or title words)."""
    words = {w.lower() for w in re.findall(r"[\w.-]+", sentence)}
    lowered = sentence.lower()
    return any(t in words or (" " in t and t in lowered) for t in _key_terms(chunk))


def source_label(sentence: str, chunk: Chunk) -> str:
    """The document's title when the sentence does not name its subject ("It is ..."), else "".

    A quote is never edited to carry its subject: the label says where it comes from instead.
    """
    return "" if names_subject(sentence, chunk) else chunk.title.rstrip(" ?.:")


def embedded_as(c: Candidate) -> str:
    """What the embedder sees of a candidate: with its label, "It was ..." is about the subject."""
    return f"{c.label}: {c.text}" if c.label else c.text


def sentence_texts(chunk: Chunk) -> list[str]:
    """Every sentence of a chunk as the extractive answer embeds it: what a cache is filled with."""
    return [
        embedded_as(Candidate(s, 0, 0, source_label(s, chunk))) for s in split_sentences(chunk.text)
    ]


def quoted(c: Candidate) -> str:
    """One bullet: the document's label when needed, then the sentence as written, then [n]."""
    label = f"{sanitise(c.label, limit=200)}: " if c.label else ""
    # The quote keeps its language; in another language it is marked as a quote.
    return _("- {label}{quote} [{source}]").format(
        label=label, quote=sanitise(c.text), source=c.source
    )


# A retrieved chunk's sentences are read again for every question it answers: kept, a bound.
@lru_cache(maxsize=16384)
def terms(text: str) -> frozenset[str]:
    """Lower-cased content words of a text, for lexical overlap."""
    return frozenset(w.lower() for w in _WORD.findall(text) if w.lower() not in _STOPWORDS)


def overlap(question_terms: Set[str], sentence: str) -> float:
    """The share of the question's content words that the sentence contains."""
    if not question_terms:
        return 0.0
    return len(question_terms & terms(sentence)) / len(question_terms)


def bare_address(sentence: str) -> bool:
    """A list item that is little more than an address ("- Base: 0x...")."""
    return len(terms(ADDRESS_RE.sub(" ", sentence))) < 3


def asks_where(question: str) -> bool:
    """Whether a question asks for an address or names a chain."""
    return bool(_WHERE.search(question) or chains_in(question))


def answers_where(item: str, asked: bool, chains: set[str]) -> bool:
    """Whether a "chain: address" item answers the question: where was asked, on its chain."""
    return asked and (not chains or any(c.name in chains for c in chains_in(item)))


def defines(question: str) -> bool:
    """Whether a question asks what something is ("What is Convex?", "who are the Lido DAO?")."""
    return _DEFINES.match(question) is not None and not ADDRESS_RE.search(question)


def relevant_sources(best_by_source: dict[int, float], ratio: float | None = None) -> set[int]:
    """Sources whose best sentence clears the bar set by the best source."""
    if not best_by_source:
        return set()
    ratio = RELEVANCE_RATIO if ratio is None else ratio
    top = max(best_by_source.values())
    bar = top * ratio if top > 0 else top
    return {s for s, score in best_by_source.items() if score >= bar}


def extractive_answer(
    question: str,
    hits: list[ScoredChunk],
    sources: list[Source],
    embedder: Embedder,
    prompts: Prompts,
    reason: str,
    lead: str = "",
    skip: Callable[[str, Chunk], bool] | None = None,
    cache: VectorCache | None = None,
) -> str:
    """The most relevant sentences of the retrieved chunks, each tied to its source number.

    `lead` (the address block) comes first; sentences it already states are not repeated.
    `skip` names sentences never quoted: a document's claims against the curated token list,
    which the lead reports instead. With `cache`, sentence vectors come from it (computed once
    per sentence, at ingestion or on first use) and only the question is embedded here.
    """
    if not hits:
        return lead or prompts.render("no_context")
    index = source_numbers(sources)  # by document key: same-named files stay apart
    # Documents about an address the question names pass the bar whatever their wording.
    anchored = {index[h.chunk.doc_id] for h in hits if h.about_asked}
    said = " ".join(lead.lower().split())
    stated = {a.lower() for a in ADDRESS_RE.findall(lead)}
    if lead:
        # The address block says what the address is; sentences add what else was asked.
        question = ADDRESS_RE.sub(" ", question)
    asked = terms(question)
    where = asks_where(question)
    named_chains = chains_in(question)
    on = {c.name for c in named_chains}
    # What the question asks about besides the chain: the token a "chain: address" item must be of.
    core = asked - {t for c in named_chains for t in terms(" ".join((c.label, *c.aliases)))}
    candidates: list[Candidate] = []
    opening: int | None = None  # the top document's first sentence, for "what is X?"
    for rank, hit in enumerate(hits):
        if rank == 0 and hit.chunk.index == 0 and defines(question):
            opening = len(candidates)
        for sentence in split_sentences(hit.chunk.text):
            named = {a.lower() for a in ADDRESS_RE.findall(sentence)}
            if " ".join(sentence.lower().split()) in said or (named and named <= stated):
                continue
            if skip is not None and skip(sentence, hit.chunk):
                continue
            # "Base: 0x..." says where a token is: only when asked, there, of that token.
            if (
                named
                and bare_address(sentence)
                and not (answers_where(sentence, where, on) and core & terms(hit.chunk.title))
            ):
                continue
            label = source_label(sentence, hit.chunk)
            candidates.append(Candidate(sentence, index[hit.chunk.doc_id], rank, label))
    if not candidates:
        return lead or prompts.render("no_context")
    # Embedded with its label: "It was ..." is about the document's subject.
    said_as = [embedded_as(c) for c in candidates]
    if cache is None:
        vectors = np.asarray(embedder.embed_documents([question, *said_as]))
    else:
        asked_vector = np.asarray([embedder.embed_query(question)], dtype=np.float64)
        vectors = np.vstack([asked_vector, cache.vectors(said_as)])
    similarity = vectors[1:] @ vectors[0]
    # Prefer sentences from higher-ranked chunks when similarity is close: the retriever
    # knows about exact address matches that sentence similarity cannot see.
    # Exact words of the question (a symbol, an interface id) are evidence embeddings blur.
    # A bare "chain: address" item tells less than a sentence giving the same address.
    scores = [
        float(s)
        + LEXICAL_WEIGHT * overlap(asked, f"{c.label} {c.text}")
        - 0.02 * c.rank
        - (BARE_ITEM_PENALTY if bare_address(c.text) else 0.0)
        for s, c in zip(similarity, candidates, strict=True)
    ]
    if opening is not None and opening < len(candidates) and candidates[opening].rank == 0:
        # A document opens by saying what its subject is: the answer to "what is X?".
        scores[opening] += DEFINITION_BONUS
    best: dict[int, float] = {}
    for score, c in zip(scores, candidates, strict=True):
        best[c.source] = max(best.get(c.source, score), score)
    # "what is 0x...?": nothing beyond the address was asked, so only its documents speak.
    only_address = bool(lead) and len(asked) < _MIN_TERMS
    keep = anchored if only_address else relevant_sources(best) | anchored
    order = sorted(range(len(candidates)), key=lambda i: -scores[i])
    chosen: list[int] = []
    if hits[0].matched == "address" and not lead:
        # The question named this chunk's address: its best sentence leads.
        lead_i = next((i for i in order if candidates[i].rank == 0), None)
        if lead_i is not None:
            chosen.append(lead_i)
    given: set[str] = {a.lower() for i in chosen for a in ADDRESS_RE.findall(candidates[i].text)}
    for i in order:
        if len(chosen) >= _MAX_SENTENCES:
            break
        if candidates[i].source not in keep or i in chosen:
            continue
        if any(
            float(vectors[i + 1] @ vectors[j + 1]) > DUPLICATE_SIMILARITY
            # The same words in two documents ("It is listed in ...") say nothing new either.
            or candidates[i].text == candidates[j].text
            for j in chosen
        ):
            continue
        named = {a.lower() for a in ADDRESS_RE.findall(candidates[i].text)}
        if named and bare_address(candidates[i].text) and named <= given:
            continue  # an item giving an address a chosen sentence already gives
        given |= named
        chosen.append(i)
    passages = "\n".join(quoted(candidates[i]) for i in chosen)
    if not passages:
        return lead or prompts.render("no_context")
    body = prompts.render("extractive", reason=reason, passages=passages)
    return f"{lead}\n\n{body}" if lead else body
