"""The class store's tables (SQLAlchemy 2 typed ORM). The schema itself is made by the Alembic
migrations in classroom/migrations; a test checks that they agree with these classes.

Times are seconds since the epoch (UTC) as double precision: the same on SQLite and PostgreSQL.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, BigInteger, Double, ForeignKey, Index, String, UniqueConstraint, false
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class ClassRow(Base):
    """A class: its code (normalised), the SHA-256 of the lecturer key, when it was made and closed,
    and whether the lecturer lets the students see each other's nicknames on the board."""

    __tablename__ = "classes"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    key_hash: Mapped[str] = mapped_column(String(64))
    created: Mapped[float] = mapped_column(Double, index=True)
    closed: Mapped[float | None] = mapped_column(Double)
    show_names: Mapped[bool] = mapped_column(default=False, server_default=false())


class Student(Base):
    """A student of a class: a number in joining order, the nickname as typed, the SHA-256 of the
    token, and the times of the posts of the last minute (the rate limit)."""

    __tablename__ = "students"
    __table_args__ = (UniqueConstraint("class_id", "number"), UniqueConstraint("class_id", "nickname"))
    id: Mapped[int] = mapped_column(primary_key=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("classes.id", ondelete="CASCADE"))
    number: Mapped[int]
    nickname: Mapped[str] = mapped_column(String(32))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    joined: Mapped[float] = mapped_column(Double)
    recent: Mapped[list[float]] = mapped_column(JSON)


class Run(Base):
    """A student's run: its id (unique in the class), page, settings, seed, thinned loss curve
    ([[step, loss], …], ≤ 200 points), metrics, and whether it was the final post."""

    __tablename__ = "runs"
    __table_args__ = (UniqueConstraint("class_id", "run_id"), Index("ix_runs_class_page", "class_id", "page"))
    id: Mapped[int] = mapped_column(primary_key=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("classes.id", ondelete="CASCADE"))
    student_id: Mapped[int] = mapped_column(ForeignKey("students.id", ondelete="CASCADE"), index=True)
    run_id: Mapped[str] = mapped_column(String(64))
    page: Mapped[str] = mapped_column(String(64))
    settings: Mapped[dict[str, Any]] = mapped_column(JSON)
    seed: Mapped[int | None] = mapped_column(BigInteger)
    curve: Mapped[list[Any]] = mapped_column(JSON)
    metrics: Mapped[dict[str, Any]] = mapped_column(JSON)
    final: Mapped[bool]
    created: Mapped[float] = mapped_column(Double)
    updated: Mapped[float] = mapped_column(Double)


class Answer(Base):
    """A student's answer to a checkpoint (the last one wins): the choice (text) or a number, and what
    the student's own run measured there (`outcome`: a choice key like "a", a number, or null)."""

    __tablename__ = "answers"
    __table_args__ = (UniqueConstraint("student_id", "checkpoint_id"),
                      Index("ix_answers_class", "class_id"))
    id: Mapped[int] = mapped_column(primary_key=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("classes.id", ondelete="CASCADE"))
    student_id: Mapped[int] = mapped_column(ForeignKey("students.id", ondelete="CASCADE"))
    checkpoint_id: Mapped[str] = mapped_column(String(64))
    answer: Mapped[Any] = mapped_column(JSON)
    outcome: Mapped[Any] = mapped_column(JSON(none_as_null=True), nullable=True)
    updated: Mapped[float] = mapped_column(Double)
