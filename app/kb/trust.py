"""How far a source is trusted: the curated token list, the operator's folders, fetched pages."""

from __future__ import annotations

from typing import Literal

from app.i18n.catalog import N_, _

# "onchain" is a live read from the operator's own RPC endpoints.
Trust = Literal["curated", "operator", "onchain", "fetched"]
TRUST_LEVELS: tuple[Trust, ...] = ("curated", "operator", "onchain", "fetched")
# Higher is more trusted; an unknown value (a stored payload from before trust) ranks lowest.
RANK: dict[str, int] = {"curated": 3, "operator": 2, "onchain": 2, "fetched": 1}
LABELS: dict[str, str] = {
    "curated": N_("curated token list"),
    "operator": N_("operator's folder"),
    "onchain": N_("live on-chain read"),
    "fetched": N_("fetched feed or page"),
}


def rank(trust: str) -> int:
    """The order of a trust level: curated > operator and on-chain > fetched."""
    return RANK.get(trust, 0)


def label(trust: str) -> str:
    """A trust level as a reader sees it."""
    return _(LABELS.get(trust, LABELS["fetched"]))
