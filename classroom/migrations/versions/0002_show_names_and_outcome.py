"""Nicknames on the students' board (classes.show_names) and what a student's run measured at a
checkpoint (answers.outcome).

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-08
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Existing classes get false (the server default): students keep seeing numbers until the lecturer
    # turns names on. Existing answers get null: no outcome was posted.
    op.add_column("classes", sa.Column("show_names", sa.Boolean, nullable=False, server_default=sa.false()))
    op.add_column("answers", sa.Column("outcome", sa.JSON, nullable=True))


def downgrade() -> None:
    # ALTER TABLE … DROP COLUMN (SQLite ≥ 3.35), not a batch copy: copying `classes` would drop the old
    # table, and with foreign keys on that deletes every student, run and answer (ON DELETE CASCADE).
    op.drop_column("answers", "outcome")
    op.drop_column("classes", "show_names")
