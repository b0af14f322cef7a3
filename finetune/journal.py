"""Append-only JSONL per generator: records of a unit, then its done marker; a rerun resumes."""

from __future__ import annotations

import json
import os
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

from finetune.records import Record


class Journal:
    """What one generator has written so far; a unit counts only once its done marker is in."""

    def __init__(self, path: Path, settings: dict[str, Any]) -> None:
        self.path = path
        self.settings = settings
        self.records: dict[str, list[Record]] = {}
        self.dropped: dict[str, Counter[str]] = {}
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.exists():
            _cut_torn_tail(path)
        if path.exists() and not self._load():
            # Written with other settings (seed, batch size...): its units mean something else.
            path.replace(path.with_suffix(".stale.jsonl"))
        if not path.exists():
            self._append([{"settings": settings}])

    def _load(self) -> bool:
        # Raw until their unit's marker arrives: an unfinished unit's lines are never read.
        pending: dict[tuple[str, str], list[dict[str, Any]]] = {}
        with self.path.open(encoding="utf-8") as f:
            for n, line in enumerate(f):
                try:
                    item = json.loads(line)
                except json.JSONDecodeError:
                    continue  # the line an interruption cut short
                if n == 0:
                    if item.get("settings") != self.settings:
                        return False
                    continue
                key = (item.get("unit", ""), item.get("attempt", ""))
                if "record" in item:
                    pending.setdefault(key, []).append(item["record"])
                elif item.get("done"):
                    self.records[key[0]] = [Record.model_validate(r) for r in pending.pop(key, [])]
                    self.dropped[key[0]] = Counter(item.get("dropped") or {})
        return True

    def done(self, unit: str) -> bool:
        """True when this unit was finished by an earlier run."""
        return unit in self.records

    def write(self, unit: str, records: list[Record], dropped: Counter[str] | None = None) -> None:
        """Append a finished unit: its records, then the marker that makes them count."""
        attempt = uuid.uuid4().hex[:8]
        lines: list[dict[str, Any]] = [
            {"unit": unit, "attempt": attempt, "record": r.model_dump(mode="json")} for r in records
        ]
        lines.append(
            {"unit": unit, "attempt": attempt, "done": True, "dropped": dict(dropped or {})}
        )
        self._append(lines)
        self.records[unit] = list(records)
        self.dropped[unit] = Counter(dropped or {})

    def _append(self, items: list[dict[str, Any]]) -> None:
        text = "".join(json.dumps(i, ensure_ascii=False) + "\n" for i in items)
        with self.path.open("a", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())

    def collect(self, units: list[str]) -> tuple[list[Record], Counter[str]]:
        """The records and drop counts of these units, in this order."""
        records: list[Record] = []
        dropped: Counter[str] = Counter()
        for u in units:
            records.extend(self.records.get(u, []))
            dropped.update(self.dropped.get(u, Counter()))
        return records, dropped


def _cut_torn_tail(path: Path) -> None:
    """Drop a last line an interruption left without its newline: the next append would
    otherwise run into it and turn a good line into a broken one."""
    with path.open("rb+") as f:
        data = f.read()
        if data and not data.endswith(b"\n"):
            f.truncate(data.rfind(b"\n") + 1)
