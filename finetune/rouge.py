"""ROUGE-L between instructions, with a tokenizer that keeps non-Latin text."""

from __future__ import annotations

import re
from functools import lru_cache

from rouge_score import rouge_scorer

# The self-instruct paper keeps an instruction only when its ROUGE-L F1 with every kept one
# is below this.
NEAR_DUPLICATE = 0.7

# Scripts written without spaces: each character is a token, as character-level ROUGE does.
_NO_SPACES = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u0e00-\u0e7f\u0e80-\u0eff"
_TOKEN = re.compile(rf"[{_NO_SPACES}]|[^\W_{_NO_SPACES}]+")


class Tokenizer:
    """Lower-case word tokens in any script; rouge-score's default drops every non-[a-z0-9]
    character, so a Russian or Chinese instruction would be empty and never a duplicate."""

    def tokenize(self, text: str) -> list[str]:
        """The tokens of a text."""
        return list(_tokens(text))


@lru_cache(maxsize=65536)
def _tokens(text: str) -> tuple[str, ...]:
    return tuple(_TOKEN.findall(text.lower()))


class RougeL:
    """ROUGE-L F1 between two texts, and the near-duplicate test built on it."""

    def __init__(self, threshold: float = NEAR_DUPLICATE) -> None:
        self.threshold = threshold
        self.scorer = rouge_scorer.RougeScorer(["rougeL"], tokenizer=Tokenizer())

    def f1(self, a: str, b: str) -> float:
        """ROUGE-L F1 of two texts."""
        return float(self.scorer.score(a, b)["rougeL"].fmeasure)

    def near(self, a: str, b: str) -> bool:
        """True when the two texts are near-duplicates."""
        la, lb = len(_tokens(a)), len(_tokens(b))
        if not la or not lb:
            return la == lb == 0
        # F1 cannot exceed 2*min/(la+lb): skip the LCS when the lengths alone rule it out.
        if 2 * min(la, lb) / (la + lb) < self.threshold:
            return False
        return self.f1(a, b) >= self.threshold

    def nearest(self, text: str, pool: list[str]) -> str | None:
        """The first text of the pool that is a near-duplicate of this one, or None."""
        return next((p for p in pool if self.near(text, p)), None)
