"""Chat sessions with an owner and a last use; turns belong to a session.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21

Turns stored before this revision have no owner, so no caller could ever open them again under
the ownership rule: they are deleted rather than kept as sessions nobody can reach.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add chat_sessions, drop the unowned turns, and tie chat_turns to its session."""
    op.create_table(
        "chat_sessions",
        sa.Column("id", sa.String(128), primary_key=True),
        sa.Column("owner", sa.String(16), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_chat_sessions_last_used_at", "chat_sessions", ["last_used_at"])
    op.execute("DELETE FROM chat_turns")
    # SQLite cannot add a foreign key in place: batch mode copies the table.
    with op.batch_alter_table("chat_turns") as batch:
        batch.create_foreign_key(
            "fk_chat_turns_session_id_chat_sessions",
            "chat_sessions",
            ["session_id"],
            ["id"],
            ondelete="CASCADE",
        )


def downgrade() -> None:
    """Back to unowned turns (the sessions' owners are lost)."""
    with op.batch_alter_table("chat_turns") as batch:
        batch.drop_constraint("fk_chat_turns_session_id_chat_sessions", type_="foreignkey")
    op.drop_index("ix_chat_sessions_last_used_at", table_name="chat_sessions")
    op.drop_table("chat_sessions")
