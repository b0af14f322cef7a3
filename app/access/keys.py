"""API keys with scopes, stored hashed in SQL (SQLite in the data dir, or PostgreSQL)."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import DateTime, Engine, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from app.core.db import Base

SCOPES = ("chat", "search", "contracts", "admin")
_PREFIX = "crk"


class KeyRow(Base):
    """One key: its public id, the SHA-256 of its secret, its scopes."""

    __tablename__ = "api_keys"

    key_id: Mapped[str] = mapped_column(String(16), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    secret_sha256: Mapped[str] = mapped_column(String(64))
    scopes: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


@dataclass(frozen=True)
class ApiKey:
    """A key as the API sees it; never the secret."""

    key_id: str
    name: str
    scopes: frozenset[str]
    created_at: datetime
    revoked: bool

    def allows(self, scope: str) -> bool:
        """admin implies every scope."""
        return not self.revoked and (scope in self.scopes or "admin" in self.scopes)


def _digest(secret: str) -> str:
    # The secrets are 256-bit random tokens, so a plain hash is enough: nothing to brute-force.
    return hashlib.sha256(secret.encode()).hexdigest()


class KeyStore:
    """Creates, lists, revokes and verifies keys."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def create(self, name: str, scopes: list[str]) -> tuple[ApiKey, str]:
        """A new key and its secret, which is shown once and stored only as a hash."""
        bad = sorted(set(scopes) - set(SCOPES))
        if not scopes or bad:
            raise ValueError(f"scopes must be among {', '.join(SCOPES)}; got {bad or 'none'}")
        key_id = secrets.token_hex(6)
        secret = f"{_PREFIX}_{key_id}_{secrets.token_urlsafe(32)}"
        row = KeyRow(
            key_id=key_id,
            name=name[:100],
            secret_sha256=_digest(secret),
            scopes=",".join(sorted(set(scopes))),
            created_at=datetime.now(UTC),
        )
        with Session(self.engine) as session:
            session.add(row)
            session.commit()
            return _to_key(row), secret

    def list(self) -> list[ApiKey]:
        """Every key, revoked ones included."""
        with Session(self.engine) as session:
            return [_to_key(r) for r in session.scalars(select(KeyRow).order_by(KeyRow.created_at))]

    def revoke(self, key_id: str) -> bool:
        """Revoke a key; False when there is no such key."""
        with Session(self.engine) as session:
            row = session.get(KeyRow, key_id)
            if row is None:
                return False
            row.revoked_at = row.revoked_at or datetime.now(UTC)
            session.commit()
            return True

    def verify(self, secret: str) -> ApiKey | None:
        """The key a secret belongs to, or None."""
        parts = secret.split("_", 2)
        if len(parts) != 3 or parts[0] != _PREFIX:
            return None
        with Session(self.engine) as session:
            row = session.get(KeyRow, parts[1])
            if row is None or not hmac.compare_digest(row.secret_sha256, _digest(secret)):
                return None
            return _to_key(row)

    def any_keys(self) -> bool:
        """Whether any key was ever created."""
        with Session(self.engine) as session:
            return session.scalars(select(KeyRow.key_id).limit(1)).first() is not None


def _to_key(row: KeyRow) -> ApiKey:
    return ApiKey(
        row.key_id,
        row.name,
        frozenset(row.scopes.split(",")),
        row.created_at,
        row.revoked_at is not None,
    )
