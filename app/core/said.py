"""Whether an answer already says what a notice says, so that people read each fact once.

The answer states a notice in its own words ("the live state of this address on Ethereum was not
read") while `warnings` keep it for programs; a page, a bot or the CLI shows the notices the
answer does not already say. The chat page does the same in app/web/app.js (`alreadySaid`).
"""

from __future__ import annotations

import re

_ADDRESS = re.compile(r"0x[0-9a-z]*", re.IGNORECASE)
# Words, and each Han character as a word of its own (Chinese is written without spaces).
_WORDS = re.compile(r"[a-z0-9%]+|[\u3400-\u4dbf\u4e00-\u9fff]")
# Most of a notice's three-word runs in the answer: said, whatever its punctuation and address.
_SAID = 0.6


def _trigrams(text: str) -> set[str]:
    words = _WORDS.findall(_ADDRESS.sub(" ", text).lower())
    return {" ".join(words[n : n + 3]) for n in range(len(words) - 2)}


def unsaid(notices: list[str], answer: str) -> list[str]:
    """The notices the answer does not already say, in their order, each once."""
    said, named = _trigrams(answer), {a.lower() for a in _ADDRESS.findall(answer)}
    out: list[str] = []
    for notice in notices:
        own = _trigrams(notice)
        # About an address the answer names, and in the answer's words: said already.
        about = {a.lower() for a in _ADDRESS.findall(notice)} <= named
        if notice in out or (about and own and len(own & said) / len(own) >= _SAID):
            continue
        out.append(notice)
    return out
