"""What the board reads and the lecturer exports: plain frozen records, nicknames only with the key."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from .codes import show_code
from .models import Answer, ClassRow, Run, Student

CSV_HEADER = ["student", "nickname", "kind", "page", "run_id", "seed", "final", "settings", "metrics",
              "checkpoint_id", "answer", "outcome", "updated"]
_FORMULA = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class RunView:
    """A run on the board. `student` numbers the students in joining order; `nickname` is None
    unless the board was read with the lecturer key."""

    student: int
    nickname: str | None
    run_id: str
    page: str
    settings: dict[str, Any]
    seed: int | None
    curve: list[list[Any]]
    metrics: dict[str, Any]
    final: bool
    updated: float


@dataclass(frozen=True)
class AnswerView:
    """A checkpoint answer on the board (the student's last) and what the student's run measured
    there (`outcome`: a choice, a number, or None if none was posted)."""

    student: int
    nickname: str | None
    checkpoint_id: str
    answer: str | int | float
    outcome: str | int | float | None
    updated: float


@dataclass(frozen=True)
class Board:
    """A class as its board shows it: the code, closed or not, whether the lecturer shows the students
    each other's nicknames, how many joined, the runs and answers."""

    code: str
    closed: bool
    show_names: bool
    students: int
    runs: list[RunView]
    answers: list[AnswerView]


def read_board(s: Session, cls: ClassRow, page: str | None, named: bool) -> Board:
    """The class's runs (of one page, if given) and answers, ordered by student, then id."""
    runs = select(Run, Student.number, Student.nickname).join(Student, Run.student_id == Student.id)
    runs = runs.where(Run.class_id == cls.id).order_by(Student.number, Run.run_id)
    if page is not None:
        runs = runs.where(Run.page == page)
    answers = select(Answer, Student.number, Student.nickname).join(Student, Answer.student_id == Student.id)
    answers = answers.where(Answer.class_id == cls.id).order_by(Student.number, Answer.checkpoint_id)
    students = s.scalar(select(Student.number).where(Student.class_id == cls.id)
                        .order_by(Student.number.desc()).limit(1)) or 0
    return Board(
        code=show_code(cls.code), closed=cls.closed is not None, show_names=cls.show_names,
        students=students,
        runs=[RunView(n, name if named else None, r.run_id, r.page, r.settings, r.seed, r.curve,
                      r.metrics, r.final, r.updated) for r, n, name in s.execute(runs)],
        answers=[AnswerView(n, name if named else None, a.checkpoint_id, a.answer, a.outcome, a.updated)
                 for a, n, name in s.execute(answers)])


def _cell(text: str) -> str:
    """Text a person typed, guarded against spreadsheet formulas (a leading ' as spreadsheets do)."""
    return "'" + text if text.startswith(_FORMULA) else text


def _json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _value(value: str | int | float | None) -> str:
    """An answer or outcome cell: the choice as typed (guarded), a number as JSON, none as empty."""
    return "" if value is None else _cell(value) if isinstance(value, str) else _json(value)


def to_csv(board: Board) -> str:
    """The board as CSV (one row a run, then one a answer; `CSV_HEADER`), lines ending in \\r\\n."""
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(CSV_HEADER)
    for r in board.runs:
        w.writerow([r.student, _cell(r.nickname or ""), "run", _cell(r.page), _cell(r.run_id),
                    "" if r.seed is None else r.seed, int(r.final), _json(r.settings), _json(r.metrics),
                    "", "", "", repr(r.updated)])
    for a in board.answers:
        w.writerow([a.student, _cell(a.nickname or ""), "answer", "", "", "", "", "", "",
                    _cell(a.checkpoint_id), _value(a.answer), _value(a.outcome), repr(a.updated)])
    return out.getvalue()
