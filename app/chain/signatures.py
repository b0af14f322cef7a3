"""The shipped selector table (data/selectors.json, built by data/build_selectors.py)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

DEFAULT_PATH = Path(__file__).with_name("data") / "selectors.json"


@dataclass(frozen=True)
class Signature:
    """A selector's known signature, and the admin power it grants, if any."""

    signature: str
    power: str | None = None


@dataclass(frozen=True)
class EventSignature:
    """An event's signature and the indexed patterns it is declared with ("110")."""

    signature: str
    indexed: tuple[str, ...]


class SignatureTable:
    """Selector to signature; what it does not name it cannot judge."""

    def __init__(
        self,
        entries: dict[str, Signature],
        source: str = "",
        errors: dict[str, str] | None = None,
        events: dict[str, EventSignature] | None = None,
    ) -> None:
        self.entries = entries
        self.source = source
        self.errors = errors or {}
        self.events = events or {}

    def get(self, selector: str) -> Signature | None:
        """The known signature of a 0x-prefixed selector."""
        return self.entries.get(selector.lower())

    def error(self, selector: str) -> str | None:
        """The known custom error (e.g. EnforcedPause()) of a 0x-prefixed selector."""
        return self.errors.get(selector.lower())

    def event(self, topic0: str) -> EventSignature | None:
        """The known event of a 0x-prefixed 32-byte topic0."""
        return self.events.get(topic0.lower())


@cache
def load(path: Path = DEFAULT_PATH) -> SignatureTable:
    """Read the table once per process."""
    data = json.loads(path.read_text(encoding="utf-8"))
    entries = {k: Signature(v[0], v[1]) for k, v in data["selectors"].items()}
    events = {k: EventSignature(v[0], tuple(v[1])) for k, v in data.get("events", {}).items()}
    return SignatureTable(entries, data.get("source", path.name), data.get("errors", {}), events)
