"""sources.yaml: what the worker keeps ingested, and how often."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, Field, ValidationError, field_validator, model_validator

from app.core.errors import ConfigError
from app.kb.models import DocType
from ingest.sources import safe_yaml

Kind = Literal["rss", "web", "files", "protocols", "contracts", "tokenlist"]
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


class SourceSpec(BaseModel):
    """One source: a feed, a page, a folder, a registry, a contract list or a token list."""

    name: str = Field(min_length=1, max_length=200)
    kind: Kind
    url: str | None = None
    path: Path | None = None
    entries: list[str] = Field(default_factory=list, description="chain:address for contracts")
    interval: float = Field(default=3600, ge=10, description="seconds; also 30s, 15m, 6h, 1d")
    tags: list[str] = Field(default_factory=list)
    type: DocType | None = None
    follow_links: bool = False

    @field_validator("interval", mode="before")
    @classmethod
    def _duration(cls, value: Any) -> Any:
        if isinstance(value, str):
            match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*", value)
            if not match:
                raise ValueError(f"{value!r} is not a duration such as 90, 30s, 15m, 6h or 1d")
            return float(match[1]) * _UNITS[match[2] or "s"]
        return value

    @model_validator(mode="after")
    def _where(self) -> SourceSpec:
        if self.kind in ("rss", "web") and not self.url:
            raise ValueError(f"a {self.kind} source needs a url")
        if self.kind in ("files", "protocols") and not self.path:
            raise ValueError(f"a {self.kind} source needs a path")
        if self.kind == "tokenlist" and not (self.path or self.url):
            raise ValueError("a tokenlist source needs a path or a url")
        if self.kind == "contracts" and not (self.path or self.entries):
            raise ValueError("a contracts source needs a path (.contracts file) or entries")
        return self

    def metadata(self) -> dict[str, Any]:
        """What every document of the source carries."""
        meta: dict[str, Any] = {"tags": list(self.tags), "source_name": self.name}
        if self.type:
            meta["type"] = self.type
        return meta


def load_sources(path: Path) -> list[SourceSpec]:
    """Read sources.yaml; relative paths are relative to the file; errors name the entry."""
    try:
        data = safe_yaml.load(path.read_text("utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"cannot read sources file {path}: {exc}") from None
    entries = data.get("sources") if isinstance(data, dict) else data
    if not isinstance(entries, list) or not entries:
        raise ConfigError(f"{path}: expected a list of sources under `sources:`")
    specs, problems = [], []
    for n, entry in enumerate(entries):
        try:
            spec = SourceSpec.model_validate(entry)
        except ValidationError as exc:
            label = entry.get("name", n) if isinstance(entry, dict) else n
            for err in exc.errors():
                where = ".".join(str(p) for p in err["loc"]) or "entry"
                problems.append(f"source {label!r}: {where}: {err['msg']}")
            continue
        if spec.path and not spec.path.is_absolute():
            spec.path = (path.parent / spec.path).resolve()
        specs.append(spec)
    names = [s.name for s in specs]
    problems += [f"source name {n!r} is used twice" for n in set(names) if names.count(n) > 1]
    if problems:
        raise ConfigError(f"invalid sources file {path}:\n  " + "\n  ".join(problems))
    return specs
