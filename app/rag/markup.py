"""Answer text made safe to render: foreign images, unknown links, raw HTML and mass mentions out.

Model output and retrieved text are untrusted. A client may render the answer as Markdown (the
web page), as chat markup (Telegram, Discord) or print it, so the answer is cleaned for all of
them: images are removed (the service has no images of its own to show), a link survives only
when it points at a listed source's URL or at a block explorer page of an address the answer
names, raw HTML tags are removed (script and style with their content), and mass mentions are
broken. Each kind of change is counted, so the answer can carry a warning.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from app.kb.chains import CHAINS
from app.rag.grounding import addresses_in

_IMAGE = re.compile(r"!\[([^\]\n]{0,500})\]\(\s*<?([^)\s>]*)>?(?:\s+[\"'(][^)\n]*[\"')])?\s*\)")
_LINK = re.compile(r"\[([^\]\n]{0,500})\]\(\s*<?([^)\s>]*)>?(?:\s+[\"'(][^)\n]*[\"')])?\s*\)")
_REF_DEF = re.compile(r"^[ \t]{0,3}\[([^\]\n]+)\]:[ \t]*(\S+)[^\n]*$", re.MULTILINE)
_AUTOLINK = re.compile(r"<((?:[a-zA-Z][a-zA-Z0-9+.-]{1,31}):[^<>\s]*)>")
_DANGEROUS_BLOCK = re.compile(
    r"<\s*(script|style|iframe|object|embed|template|svg|math)\b.*?(?:<\s*/\s*\1\s*>|\Z)",
    re.IGNORECASE | re.DOTALL,
)
_TAG = re.compile(r"</?[a-zA-Z][a-zA-Z0-9:-]*(?:\s[^<>]*)?/?>|<!--.*?(?:-->|\Z)", re.DOTALL)
_MASS_MENTION = re.compile(r"@(everyone|here)\b", re.IGNORECASE)
_DISCORD_MENTION = re.compile(r"<(@[!&]?|#)(\d{1,25})>")
_EXPLORER_HOSTS = frozenset(
    urlsplit(c.explorer).hostname or "" for c in CHAINS if c.explorer is not None
)


@dataclass
class Cleaned:
    """Safe text and what was changed to make it so."""

    text: str
    changes: Counter[str] = field(default_factory=Counter)


def _allowed(url: str, source_urls: Collection[str], addresses: Collection[str]) -> bool:
    """A source's own URL, or an explorer page of an address the answer names."""
    if url in source_urls:
        return True
    parts = urlsplit(url)
    if parts.scheme != "https" or (parts.hostname or "") not in _EXPLORER_HOSTS:
        return False
    found = addresses_in(parts.path)
    return bool(found) and found[0].lower() in addresses


def clean(text: str, source_urls: Collection[str]) -> Cleaned:
    """The text with every unsafe construct removed or neutralised, and the count of each kind."""
    changes: Counter[str] = Counter()
    # Addresses the answer names in its words (link targets do not count).
    words = _LINK.sub(lambda m: m.group(1), _IMAGE.sub("", text))
    addresses = {a.lower() for a in addresses_in(words)}

    def count(kind: str, replacement: str) -> str:
        changes[kind] += 1
        return replacement

    text = _IMAGE.sub(lambda m: count("image", m.group(1)), text)

    def link(m: re.Match[str]) -> str:
        label, url = m.group(1), m.group(2)
        if _allowed(url, source_urls, addresses):
            return m.group(0)
        # A citation marker written as a link stays a citation marker.
        return count("link", f"[{label}]" if label.isdigit() else label)

    text = _LINK.sub(link, text)
    text = _REF_DEF.sub(
        lambda m: m.group(0) if _allowed(m.group(2), source_urls, addresses) else count("link", ""),
        text,
    )
    text = _AUTOLINK.sub(
        lambda m: m.group(0) if _allowed(m.group(1), source_urls, addresses) else count("link", ""),
        text,
    )
    text = _DANGEROUS_BLOCK.sub(lambda m: count("html", ""), text)
    text = _TAG.sub(lambda m: count("html", ""), text)
    text = _MASS_MENTION.sub(lambda m: count("mention", f"@\u200b{m.group(1)}"), text)
    text = _DISCORD_MENTION.sub(lambda m: count("mention", "[mention removed]"), text)
    return Cleaned(text, changes)


_NAMES = {
    "image": "image removed",
    "link": "link removed (it pointed at no source)",
    "html": "raw HTML removed",
    "mention": "mass mention neutralised",
}


def describe(changes: Counter[str]) -> list[str]:
    """One warning per kind of change, with its count."""
    return [f"{_NAMES[k]}: {n}" for k, n in sorted(changes.items()) if n]


def open_construct(text: str) -> int:
    """Where an unfinished construct that cleaning must see whole (tag, link, image) starts; -1."""
    starts = []
    last_lt = text.rfind("<")
    if last_lt != -1 and text.find(">", last_lt) == -1 and len(text) - last_lt < 2000:
        starts.append(last_lt)
    last_br = text.rfind("[")
    if last_br != -1 and len(text) - last_br < 1200:
        rest = text[last_br:]
        close = rest.find("]")
        after = rest[close + 1 :] if close != -1 else ""
        unfinished = close == -1 or after == "" or (after.startswith("(") and ")" not in after)
        if unfinished and "\n" not in rest:
            starts.append(last_br - 1 if last_br and text[last_br - 1] == "!" else last_br)
    return min(starts) if starts else -1
