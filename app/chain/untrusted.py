"""On-chain strings are chosen by whoever deployed the contract: cap, clean and flag them."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

# Categories dropped: controls, format characters (zero-width, bidi overrides), private use,
# surrogates and unassigned code points.
_DROP = {"Cc", "Cf", "Co", "Cs", "Cn"}
_SPACE = re.compile(r"\s+")
# Phrases that address a reader or a model rather than name a token, and links.
_INSTRUCTION = re.compile(
    r"\b(ignore|disregard|forget|override)\b.{0,40}\b(instruction|prompt|rule|previous|above)"
    r"|\bsystem prompt\b|\byou are (now )?(a|an|the)\b|\bassistant\b|\binstruction"
    r"|https?://|\bwww\.|\b[\w-]+\.(com|io|xyz|org|net|app|finance|top|site|claims?)\b"
    r"|\b(claim|visit|airdrop|reward|bonus|giveaway|redeem)\b",
    re.IGNORECASE,
)


@dataclass
class CleanText:
    """A cleaned string and what was done to it."""

    text: str
    warnings: list[str] = field(default_factory=list)
    suspicious: bool = False


def clean(value: str, *, limit: int, label: str, full_length: int | None = None) -> CleanText:
    """Drop invisible and control characters, collapse spaces, cap the length, flag instructions."""
    warnings: list[str] = []
    kept = "".join(ch for ch in value if unicodedata.category(ch) not in _DROP or ch in " \t\n")
    removed = len(value) - len(kept)
    if removed:
        warnings.append(
            f"{label} contained {removed} control, invisible or bidirectional characters (removed)"
        )
    text = _SPACE.sub(" ", kept).strip()
    length = max(full_length or 0, len(value))
    if len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    if length > limit:
        warnings.append(f"{label} is {length} characters long (shown cut to {limit})")
    suspicious = bool(_INSTRUCTION.search(unicodedata.normalize("NFKC", kept)))
    if suspicious:
        warnings.append(
            f"{label} reads like instructions or a link; it is the deployer's text, not a fact"
        )
    return CleanText(text, warnings, suspicious)


def symbol_key(symbol: str) -> str:
    """A symbol folded for comparison: NFKC (full-width letters), case, and spacing removed."""
    return re.sub(r"[\s.\-_]", "", unicodedata.normalize("NFKC", symbol)).upper()
