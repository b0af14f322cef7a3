"""Whether the knowledge base answers a question, judged from what retrieval found.

Two kinds of evidence, chosen with `cryptorag eval answers` on the off-topic and answerable dev
sets: the question's own terms in the retrieved text (a name, an acronym or a number no
retrieved document contains means the documents are about something else), and how close the
closest retrieved chunk is to the question in meaning.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from app.kb.embeddings import Embedder
from app.kb.models import ScoredChunk
from app.kb.vector_cache import VectorCache

# A question that names an address (or tries to) is answered by the address block, which says
# itself what is and is not known about it.
_HEXISH = re.compile(r"0x[0-9a-zA-Z]{6,}")
_WORD = re.compile(r"[A-Za-z0-9$][\w$.'/-]*[A-Za-z0-9]|[A-Za-z0-9]")
# English words that carry no subject: a question's frame, not what it is about.
_FRAME_WORDS = """a about above after again against all also am an and any are as at back be
    been before
    being below between both but by can could did do does doing done down during each else ever
    few for from further get gets go goes had has have having he her here hers him his how i if
    in into is it its itself just kind know like long many may me might more most much must my
    new no nor not now of off on once one only or other our out over own per please put really
    same say says she should so some still such take takes tell tells than that the their them
    then there these they thing things this those through to too under until up us use used very
    was we were what when where which while who whom whose why will with would yes yet you your
    explain happen happens happened work works mean means show give everything anything
    something describe details detail info information overview summary summarize summarise
    brief briefly quick want need learn let"""
_STOPWORDS = frozenset(_FRAME_WORDS.split())
_SUFFIXES = ("ing", "ies", "ied", "es", "ed", "s", "ly", "y", "e")
# A question whose missing terms are at most this share of its terms may still be answered
# (more when it names an identifier the documents have: "Can I turn cvxCRV back into CRV?")...
MAX_MISSING_SHARE = 0.25
MAX_MISSING_SHARE_IDENTIFIED = 0.5
# ...and so may any question this close in meaning to a retrieved chunk (cosine).
CLOSE_ENOUGH = 0.5
# Below this, nothing retrieved is about the question whatever words it shares.
FAR = 0.3
NEAREST = 2  # documents listed, labelled as the nearest, when the answer is declined


@dataclass
class Coverage:
    """The decision and the evidence behind it."""

    answerable: bool
    missing: list[str] = field(default_factory=list)  # question terms no retrieved text contains
    similarity: float = 0.0  # the closest retrieved chunk's cosine to the question
    reason: str = ""


def stem(word: str) -> str:
    """A crude stem: enough to match "votes" with "vote" and "verifies" with "verify"."""
    word = word.lower().strip("'")
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[: -len(suffix)]
    return word


def question_terms(question: str) -> tuple[set[str], set[str], set[str]]:
    """The question's content words, those among them that name something, and identifiers.

    A named term is an identifier or a capitalised word not opening the question ("Jupiter");
    an identifier has a digit or a capital inside ("NBA", "2016", "cvxCRV", "ETH").
    """
    content: set[str] = set()
    named: set[str] = set()
    ids: set[str] = set()
    for n, match in enumerate(_WORD.finditer(question)):
        word = match.group().rstrip(".'")
        low = word.lower()
        if low in _STOPWORDS or len(low) < 2:
            continue
        content.add(low)
        if any(ch.isdigit() for ch in word) or any(ch.isupper() for ch in word[1:]):
            ids.add(low)
        if low in ids or (n > 0 and word[:1].isupper()):
            named.add(low)
    return content, named, ids


# Per retrieved chunk (a few hundred words each, so a bound of 512 is some 10 MB): the same
# chunks come back question after question.
@lru_cache(maxsize=512)
def _stems(text: str) -> frozenset[str]:
    out: set[str] = set()
    for match in _WORD.finditer(text):
        word = match.group().lower().rstrip(".'")
        out.add(word)
        out.add(stem(word))
        # "fractional-algorithmic", "cvxCRV/CRV": each part is a word of its own.
        for part in re.split(r"[-/.']", word):
            if part:
                out.add(part)
                out.add(stem(part))
    return frozenset(out)


def _known(word: str, stems: set[str], prefixes: set[str]) -> bool:
    # A long word matches by its opening: "verifies" and "verifier" are one term.
    return word in stems or stem(word) in stems or (len(word) >= 7 and word[:5] in prefixes)


def _found(term: str, stems: set[str], prefixes: set[str]) -> bool:
    if _known(term, stems, prefixes) or _known(term.replace("-", ""), stems, prefixes):
        return True  # "re-entering" is "reentering"
    # A number is a part ("10-year"): a document with "year" alone does not say "10-year".
    parts = [p for p in re.split(r"[-/.']", term) if len(p) > 2 or p.isdigit()]
    parts = [p for p in parts if p not in _STOPWORDS]
    return bool(parts) and all(_known(p, stems, prefixes) for p in parts)


def _spelled_out(term: str, question: str) -> bool:
    """An acronym the question spells out itself ("OFT omnichain fungible token")."""
    words = [w for w in re.findall(r"[A-Za-z]+", question.lower()) if w != term]
    return term.isalpha() and 2 <= len(term) <= 6 and term in "".join(w[0] for w in words)


def judge(
    question: str,
    hits: Sequence[ScoredChunk],
    embedder: Embedder,
    anchored: bool = False,
    cache: VectorCache | None = None,
) -> Coverage:
    """Whether the retrieved chunks answer the question.

    `anchored`: the question is tied to something the service knows by identity (an address
    it carries, a live read, a token of the curated list), which the answer states either way.
    `cache`: where the chunks' vectors are kept, so only the question is embedded here.
    """
    if anchored or _HEXISH.search(question) or any(h.matched == "address" for h in hits):
        return Coverage(True, reason="address")
    if not hits:
        return Coverage(False, reason="nothing retrieved")
    content, named, ids = question_terms(question)
    stems: set[str] = set()
    for h in hits:
        c = h.chunk
        symbol = c.metadata.get("symbol")
        stems |= _stems(f"{c.title} {c.protocol or ''} {symbol or ''} {c.text}")
    prefixes = {w[:5] for w in stems if len(w) >= 7}
    missing = sorted(
        t for t in content if not _found(t, stems, prefixes) and not _spelled_out(t, question)
    )
    if not missing:  # every term of the question is in the retrieved text
        return Coverage(True, reason="every term found")
    texts = [f"{h.chunk.title}\n{h.chunk.text}" for h in hits]
    if cache is None:
        vectors = np.asarray(embedder.embed_documents([question, *texts]))
    else:
        asked = np.asarray([embedder.embed_query(question)], dtype=np.float64)
        vectors = np.vstack([asked, cache.vectors(texts)])
    similarity = float(np.max(vectors[1:] @ vectors[0]))
    if similarity < FAR:
        return Coverage(False, missing, similarity, "nothing retrieved is close in meaning")
    if named & set(missing):
        return Coverage(False, missing, similarity, "a name in the question is in no document")
    share = len(missing) / max(len(content), 1)
    most = MAX_MISSING_SHARE_IDENTIFIED if ids else MAX_MISSING_SHARE
    if share > most and similarity < CLOSE_ENOUGH:
        return Coverage(False, missing, similarity, "the documents lack the question's terms")
    return Coverage(True, missing, similarity, "covered")
