"""Checks on questions shared by the search and chat routes."""

from __future__ import annotations

import re

from app.core.errors import BadRequest

_WORDISH = re.compile(r"\w", re.UNICODE)


def check_question(text: str, limit: int, field: str = "query") -> str:
    """The question stripped, or a 4xx naming what is wrong with it."""
    stripped = text.strip()
    if not stripped:
        raise BadRequest(f"{field} is empty", code="empty_question")
    if not _WORDISH.search(stripped):
        raise BadRequest(
            f"{field} has no words, only punctuation or symbols", code="empty_question"
        )
    if len(stripped) > limit:
        raise BadRequest(
            f"{field} is {len(stripped)} characters; the limit is {limit}", code="question_too_long"
        )
    return stripped
