"""Whether a question leans on the conversation before it, when no model can rewrite it."""

from __future__ import annotations

import re

from app.kb.addresses import find_addresses

# Words that point back at something said before ("is it safe?", "what is its address?").
_REFERRING = re.compile(r"\b(it|its|it's|they|them|their|this|these|those|same)\b", re.IGNORECASE)
# Openings that continue the previous question ("and on Arbitrum?", "what about Base?").
_CONTINUING = re.compile(
    r"^\s*(and|or|also|then|what about|how about|same for|and what about)\b", re.IGNORECASE
)
_WH = re.compile(r"^\s*(what|who|which|how|why|when|where|is|are|does|do|can|did)\b", re.I)


def is_follow_up(question: str) -> bool:
    """True for a question that needs its history to be understood; a question that names its
    own address or reads as complete starts afresh, so an earlier topic cannot leak into it."""
    if find_addresses(question):
        return False
    if _CONTINUING.match(question):
        return True
    words = re.findall(r"[\w'-]+", question)
    if len(words) <= 3 and not _WH.match(question):
        return True  # a fragment: "on Arbitrum?", "decimals?"
    return bool(_REFERRING.search(question))
