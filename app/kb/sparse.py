"""Lexical sparse vectors for Qdrant: BM25-style term weights, IDF computed by Qdrant itself."""

from __future__ import annotations

import hashlib
import re
from collections import Counter

from qdrant_client import models

# Hex strings (addresses, selectors, interface ids), EIP/ERC numbers, identifiers, numbers.
_TOKEN_RE = re.compile(
    r"0x[0-9a-fA-F]+"
    r"|(?i:\b(?:eip|erc|bip|sip)[-\s]?\d+)"
    r"|[A-Za-z_$][A-Za-z0-9_$]*"
    r"|\d+(?:[.,]\d+)*%?"
    # Runs of Han characters: Chinese is written without spaces, so a run is cut into bigrams.
    r"|[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+"
)
_HAN_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_CAMEL_RE = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|\d+")
_STANDARD_RE = re.compile(r"(?i)(eip|erc|bip|sip)[-\s]?(\d+)")
_STOPWORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "but",
        "by",
        "can",
        "could",
        "did",
        "do",
        "does",
        "for",
        "from",
        "has",
        "have",
        "how",
        "i",
        "if",
        "in",
        "into",
        "is",
        "it",
        "its",
        "me",
        "my",
        "of",
        "on",
        "or",
        "so",
        "such",
        "than",
        "that",
        "the",
        "their",
        "them",
        "then",
        "there",
        "these",
        "they",
        "this",
        "to",
        "was",
        "we",
        "were",
        "what",
        "when",
        "where",
        "which",
        "who",
        "whom",
        "why",
        "will",
        "with",
        "would",
        "you",
        "your",
    ]
)


def tokens(text: str) -> list[str]:
    """Lexical tokens: hex strings, EIP numbers, tickers and camelCase identifiers kept whole."""
    out: list[str] = []
    for match in _TOKEN_RE.finditer(text):
        raw = match.group(0)
        if _HAN_RUN.fullmatch(raw):
            out.extend(han_bigrams(raw))
            continue
        if raw[:2] in ("0x", "0X"):
            out.append(raw.lower())
            continue
        standard = _STANDARD_RE.fullmatch(raw)
        if standard:
            out.append(f"{standard.group(1).lower()}-{standard.group(2)}")
            continue
        word = raw.lower()
        if word in _STOPWORDS:
            continue
        out.append(word)
        # donateToReserves also matches "donate" and "reserves"; the whole word stays exact.
        parts = [p.lower() for p in _CAMEL_RE.findall(raw)]
        if len(parts) > 1:
            out.extend(p for p in parts if p not in _STOPWORDS and len(p) > 1)
    return out


def han_bigrams(run: str) -> list[str]:
    """Overlapping character pairs of a run of Chinese (a lone character stands for itself).

    Chinese is written without spaces: a pair matches a two-character word wherever it stands,
    with no dictionary to load. Against jieba's words on the Chinese dev questions over the
    English corpora (docs/benchmarks.md, "Chinese questions"), neither adds anything once the
    glossary has put the question in English words (MRR@10 0.971 with either or none); without
    the glossary both cost a little (0.775 none, 0.760 bigrams, 0.730 jieba), jieba more, and
    jieba takes 1.4 s to load its dictionary. Bigrams stay for documents written in Chinese.
    """
    if len(run) == 1:
        return [run]
    return [run[i : i + 2] for i in range(len(run) - 1)]


_QUESTION_WORDS = frozenset(
    [
        "how",
        "what",
        "which",
        "who",
        "whom",
        "whose",
        "why",
        "when",
        "where",
        "does",
        "do",
        "did",
        "is",
        "are",
        "can",
        "could",
        "should",
        "would",
        "will",
        "was",
        "were",
        "explain",
        "describe",
        "tell",
        "compare",
        "list",
    ]
)
KEYWORD_QUERY_MAX_TOKENS = 4


def is_keyword_query(text: str) -> bool:
    """A few terms and no question ("AggLayer", "Votium bribes"): lexical evidence decides.

    Dense vectors of rare names and identifiers land near unrelated text, so such queries
    get a different fusion weighting (HybridWeights.keyword_*).
    """
    words = text.strip().split()
    if not words or "?" in text or words[0].lower() in _QUESTION_WORDS:
        return False
    return len(tokens(text)) <= KEYWORD_QUERY_MAX_TOKENS


def _index(token: str) -> int:
    return int.from_bytes(hashlib.blake2b(token.encode(), digest_size=4).digest(), "big")


class SparseEncoder:
    """BM25 term-frequency weights over hashed tokens; the collection's IDF modifier adds IDF."""

    name = "lexical-v1"

    def __init__(self, k1: float = 1.2, b: float = 0.75, avg_len: float = 120.0) -> None:
        self.k1 = k1
        self.b = b
        self.avg_len = avg_len

    def encode_document(self, text: str) -> models.SparseVector:
        """Saturated term frequencies, normalised by length as BM25 does."""
        counts = Counter(tokens(text))
        length = sum(counts.values()) or 1
        norm = self.k1 * (1 - self.b + self.b * length / self.avg_len)
        weights: dict[int, float] = {}
        for token, tf in counts.items():
            idx = _index(token)
            weights[idx] = weights.get(idx, 0.0) + tf * (self.k1 + 1) / (tf + norm)
        return models.SparseVector(indices=list(weights), values=list(weights.values()))

    def encode_query(self, text: str) -> models.SparseVector:
        """Each distinct query token once; Qdrant multiplies by its IDF."""
        idx = sorted({_index(t) for t in tokens(text)})
        return models.SparseVector(indices=idx, values=[1.0] * len(idx))
