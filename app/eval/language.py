"""Whether an answer is written in its question's language, judged on the service's own words.

An answer to a Chinese question quotes English documents, and names addresses, tokens and the
documents' titles as they are written; none of that says which language the answer is in. What
is left once they are set aside (the frame, the address block's wording, the model's prose) is
detected as a question is (app.i18n.language.detect).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from app.i18n.language import Language, detect

# A quoted source sentence: an extractive bullet "- [Title: ]sentence [n]", or a blockquote.
_QUOTED_LINE = re.compile(r"^\s*(?:[-*]\s.*\[\d+\]|>.*)\s*$", re.MULTILINE)
_CITATION = re.compile(r"\[\d+\]")
# Addresses, selectors and hashes: the same in every language.
_HEX = re.compile(r"\b0x[0-9a-fA-F]+\b")


def own_words(answer: str, titles: Sequence[str] = ()) -> str:
    """The answer without its quotes, citations, addresses and the titles of its sources."""
    text = _QUOTED_LINE.sub(" ", answer)
    for title in sorted({t for t in titles if t}, key=len, reverse=True):
        text = text.replace(title, " ")
    text = _HEX.sub(" ", text)
    return _CITATION.sub(" ", text)


def answer_language(answer: str, titles: Sequence[str] = ()) -> Language:
    """The language of the answer's own words."""
    return detect(own_words(answer, titles))


def in_language(question: str, answer: str, titles: Sequence[str] = ()) -> bool:
    """Whether the answer's own words are in the question's language."""
    return answer_language(answer, titles) == detect(question)
