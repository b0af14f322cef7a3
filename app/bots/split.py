"""Long text cut into messages below a chat's size limit, at the most natural boundary."""

from __future__ import annotations

_SEPARATORS = ("\n\n", "\n", " ")


def split_text(text: str, limit: int, html: bool = False) -> list[str]:
    """Pieces of at most `limit` characters: cut at paragraphs, then lines, then words.

    With `html`, a hard cut never falls inside a tag or an entity (`&amp;`); tags are expected
    not to span lines, which the renderers guarantee.
    """
    pieces: list[str] = []
    rest = text.strip()
    while len(rest) > limit:
        cut = _cut(rest, limit, html)
        pieces.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest:
        pieces.append(rest)
    return pieces


def _cut(text: str, limit: int, html: bool) -> int:
    for sep in _SEPARATORS:
        at = text.rfind(sep, 0, limit)
        if at > 0:
            return at
    cut = limit
    if html:
        # Back off to the start of an entity or tag the limit would cut in two.
        amp, semi = text.rfind("&", 0, cut), text.rfind(";", 0, cut)
        if amp > semi and cut - amp <= 10:
            cut = amp
        lt, gt = text.rfind("<", 0, cut), text.rfind(">", 0, cut)
        if lt > gt:
            cut = lt
    return max(cut, 1)
