"""Sessions keep what they are about: the entities their turns named.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04

Sessions stored before this revision have no subject (NULL); their next question is read
against their stored turns instead, and the subject is kept from then on.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add chat_sessions.subject."""
    op.add_column("chat_sessions", sa.Column("subject", sa.JSON, nullable=True))


def downgrade() -> None:
    """Drop it again."""
    with op.batch_alter_table("chat_sessions") as batch:
        batch.drop_column("subject")
