"""Rate limits per key or client address, with the `limits` library (memory or Redis)."""

from __future__ import annotations

import math
import time

from limits import RateLimitItem, parse
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter


class RateLimiter:
    """One limit for every caller; a hit beyond it says how long to wait."""

    def __init__(self, limit: str, storage_uri: str = "memory://") -> None:
        self.item: RateLimitItem = parse(limit)
        self.limiter = MovingWindowRateLimiter(storage_from_string(storage_uri))
        # Counted in another process (Redis): each hit is a network round trip.
        self.blocks = not storage_uri.startswith("memory")

    def hit(self, caller: str) -> int | None:
        """None when allowed; else the seconds until the caller may try again."""
        if self.limiter.hit(self.item, caller):
            return None
        reset, _ = self.limiter.get_window_stats(self.item, caller)
        return max(1, math.ceil(reset - time.time()))
