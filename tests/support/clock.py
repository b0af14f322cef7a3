"""A clock a test moves by hand, for code that takes one (`SessionStore(clock=...)`)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta


class ManualClock:
    """Reads the time it was set to; `advance` moves it, nothing else does."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)
