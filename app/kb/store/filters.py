"""The API's filter object, validated, as a Qdrant filter (qdrant-client models)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from qdrant_client import models

from app.core.errors import BadRequest
from app.evm.chains import CHAINS
from app.evm.chains import resolve as resolve_chain
from app.kb.models import DOC_TYPES

FILTER_FIELDS = ("type", "chain", "protocol", "source")
DATE_FIELDS = ("published_after", "published_before")


def match(field: str, value: str | list[str]) -> models.FieldCondition:
    """An exact match on one value, or on any of several."""
    if isinstance(value, list):
        return models.FieldCondition(key=field, match=models.MatchAny(any=value))
    return models.FieldCondition(key=field, match=models.MatchValue(value=value))


def build_filter(filters: dict[str, Any] | None) -> models.Filter | None:
    """A Qdrant filter from the API's filter object; unknown fields are a 4xx."""
    must = filter_conditions(filters)
    return models.Filter(must=must) if must else None  # type: ignore[arg-type]


def filter_conditions(filters: dict[str, Any] | None) -> list[models.FieldCondition]:
    """The conditions of the API's filter object, validated."""
    if not filters:
        return []
    must: list[models.FieldCondition] = []
    for key, value in filters.items():
        if key in DATE_FIELDS:
            continue
        if key not in FILTER_FIELDS:
            allowed = ", ".join((*FILTER_FIELDS, *DATE_FIELDS))
            raise BadRequest(
                f"unknown filter field {key!r}; allowed: {allowed}", code="invalid_filter"
            )
        values = value if isinstance(value, list) else [value]
        if not values or not all(isinstance(v, str) and v for v in values):
            raise BadRequest(
                f"filter {key!r} takes a non-empty string or list of strings", code="invalid_filter"
            )
        if key == "type" and (bad := [v for v in values if v not in DOC_TYPES]):
            raise BadRequest(
                f"filter 'type' has unknown value(s) {bad}; allowed: {', '.join(DOC_TYPES)}",
                code="invalid_filter",
            )
        if key == "chain":
            values = [_known_chain(v) for v in values]
        must.append(match(key, values if len(values) > 1 else values[0]))
    if any(k in filters for k in DATE_FIELDS):
        bounds = {k: _parse_date(k, filters.get(k)) for k in DATE_FIELDS}
        must.append(
            models.FieldCondition(
                key="published_at",
                range=models.DatetimeRange(
                    gte=bounds["published_after"], lte=bounds["published_before"]
                ),
            )
        )
    return must


def _known_chain(value: str) -> str:
    chain = resolve_chain(value)
    if chain is None:
        known = ", ".join(c.name for c in CHAINS)
        raise BadRequest(
            f"filter 'chain' has unknown value {value!r}; known: {known}", code="invalid_filter"
        )
    return chain.name


def _parse_date(key: str, value: Any) -> datetime | None:
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(str(value))
    except ValueError:
        raise BadRequest(
            f"filter {key!r} must be an ISO date such as 2024-05-01", code="invalid_filter"
        ) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
