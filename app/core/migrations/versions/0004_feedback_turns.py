"""Feedback bound to the answer it rates; answers keep the sources they cited.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-04

Ratings stored before this revision name no answer of the service's: turn_id stays NULL, and the
dataset builder makes no preference pairs from them. One rating per answer: a unique turn_id.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add chat_turns.sources and feedback.turn_id (unique)."""
    op.add_column("chat_turns", sa.Column("sources", sa.JSON, nullable=True))
    op.add_column("feedback", sa.Column("turn_id", sa.Integer, nullable=True))
    op.create_index("ix_feedback_turn_id", "feedback", ["turn_id"], unique=True)


def downgrade() -> None:
    """Drop them again."""
    op.drop_index("ix_feedback_turn_id", table_name="feedback")
    with op.batch_alter_table("feedback") as batch:
        batch.drop_column("turn_id")
    with op.batch_alter_table("chat_turns") as batch:
        batch.drop_column("sources")
