"""The class store: classes, students, runs, answers.

Revision ID: 0001
Revises:
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def _class_fk() -> sa.Column:
    return sa.Column("class_id", sa.Integer, sa.ForeignKey("classes.id", ondelete="CASCADE"), nullable=False)


def _student_fk() -> sa.Column:
    return sa.Column("student_id", sa.Integer, sa.ForeignKey("students.id", ondelete="CASCADE"),
                     nullable=False)


def upgrade() -> None:
    op.create_table(
        "classes",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("code", sa.String(16), nullable=False, unique=True),
        sa.Column("key_hash", sa.String(64), nullable=False),
        sa.Column("created", sa.Double, nullable=False, index=True),
        sa.Column("closed", sa.Double, nullable=True),
    )
    op.create_table(
        "students",
        sa.Column("id", sa.Integer, primary_key=True),
        _class_fk(),
        sa.Column("number", sa.Integer, nullable=False),
        sa.Column("nickname", sa.String(32), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("joined", sa.Double, nullable=False),
        sa.Column("recent", sa.JSON, nullable=False),
        sa.UniqueConstraint("class_id", "number"),
        sa.UniqueConstraint("class_id", "nickname"),
    )
    op.create_table(
        "runs",
        sa.Column("id", sa.Integer, primary_key=True),
        _class_fk(),
        _student_fk(),
        sa.Column("run_id", sa.String(64), nullable=False),
        sa.Column("page", sa.String(64), nullable=False),
        sa.Column("settings", sa.JSON, nullable=False),
        sa.Column("seed", sa.BigInteger, nullable=True),
        sa.Column("curve", sa.JSON, nullable=False),
        sa.Column("metrics", sa.JSON, nullable=False),
        sa.Column("final", sa.Boolean, nullable=False),
        sa.Column("created", sa.Double, nullable=False),
        sa.Column("updated", sa.Double, nullable=False),
        sa.UniqueConstraint("class_id", "run_id"),
    )
    op.create_index("ix_runs_class_page", "runs", ["class_id", "page"])
    op.create_index("ix_runs_student_id", "runs", ["student_id"])
    op.create_table(
        "answers",
        sa.Column("id", sa.Integer, primary_key=True),
        _class_fk(),
        _student_fk(),
        sa.Column("checkpoint_id", sa.String(64), nullable=False),
        sa.Column("answer", sa.JSON, nullable=False),
        sa.Column("updated", sa.Double, nullable=False),
        sa.UniqueConstraint("student_id", "checkpoint_id"),
    )
    op.create_index("ix_answers_class", "answers", ["class_id"])


def downgrade() -> None:
    op.drop_table("answers")
    op.drop_table("runs")
    op.drop_table("students")
    op.drop_table("classes")
