"""The class store: a lecturer's class, its students, their runs and checkpoint answers, in one
database that every app replica shares (classroom/db.py: SQLite file or PostgreSQL).

Every method is one transaction: it checks everything (the code, the key or token, closed, the limits)
before it writes, and a refusal (`classroom.errors`) leaves the database as it was. Writers of one
class wait for each other on the class row (PostgreSQL: SELECT … FOR SHARE / FOR UPDATE; SQLite: one
writer at a time), writers of one student on the student's row.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from rnn_core.i18n import _, ngettext

from . import limits as check
from .access import Access
from .codes import digest, new_code, new_secret, show_code
from .db import default_url, make_engine, upgrade
from .errors import NicknameTaken, NotYourRun, TooMany
from .limits import Limits
from .models import Answer, ClassRow, Run, Student
from .views import Board, read_board, to_csv

DAY = 86400.0


class Store(Access):
    """The class store on one database. `url`: SQLAlchemy URL (default: ``RNNX_DATABASE_URL``, else an
    SQLite file, see `classroom.db.default_url`); `clock`: seconds since the epoch (tests pass their
    own); `busy_timeout`: seconds an SQLite writer waits for the write lock. Opening it runs the
    migrations (``alembic upgrade head``)."""

    def __init__(self, url: str | None = None, *, limits: Limits | None = None,
                 clock: Callable[[], float] = time.time, migrate: bool = True,
                 busy_timeout: float = 30.0) -> None:
        self.url = url or default_url()
        self.engine = make_engine(self.url, busy_timeout=busy_timeout)
        self.limits = limits or Limits()
        self.clock = clock
        if migrate:
            upgrade(self.engine)

    def dispose(self) -> None:
        """Close the store's database connections."""
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.dispose()

    # -- the lecturer -------------------------------------------------------------------------------

    def create_class(self) -> tuple[str, str]:
        """A new class: its code to show the students (``K7Q-M2X-9HD``) and the lecturer key (shown
        once; only its hash is kept)."""
        key = new_secret()
        with self._tx(write=True) as s:
            code = new_code()
            while s.scalar(select(ClassRow.id).where(ClassRow.code == code)) is not None:
                code = new_code()
            s.add(ClassRow(code=code, key_hash=digest(key), created=self.clock(), closed=None))
        return show_code(code), key

    def close(self, code: str, key: str) -> None:
        """Close the class: it takes no more posts; the board and the export still read it."""
        with self._tx(write=True) as s:
            cls = self._lecturer(s, code, key)
            if cls.closed is None:
                cls.closed = self.clock()

    def show_names(self, code: str, key: str, on: bool) -> None:
        """Let the students see each other's nicknames on the board (`on`), or only numbers again.
        Works on a closed class too (its board is still read)."""
        with self._tx(write=True) as s:
            self._lecturer(s, code, key).show_names = bool(on)

    def check_key(self, code: str, key: str) -> None:
        """Nothing if `key` is the lecturer key of the class; `WrongKey` or `UnknownClass` if not."""
        with self._tx(write=False) as s:
            self._lecturer(s, code, key, lock="none")

    def export_csv(self, code: str, key: str) -> str:
        """The class's runs and answers as CSV text, with nicknames (`classroom.views.CSV_HEADER`)."""
        with self._tx(write=False) as s:
            return to_csv(read_board(s, self._lecturer(s, code, key, lock="none"), None, named=True))

    def delete(self, code: str, key: str) -> None:
        """Delete the class with its students, runs and answers."""
        with self._tx(write=True) as s:
            _delete_classes(s, [self._lecturer(s, code, key).id])

    def expire(self, now: float | None = None) -> int:
        """Delete every class made more than `limits.keep_days` days before `now` (default: the
        clock), with its rows; how many classes went."""
        cutoff = (self.clock() if now is None else now) - self.limits.keep_days * DAY
        with self._tx(write=True) as s:
            ids = list(s.scalars(select(ClassRow.id).where(ClassRow.created < cutoff).with_for_update()))
            _delete_classes(s, ids)
        return len(ids)

    # -- students -----------------------------------------------------------------------------------

    def join(self, code: str, nickname: str) -> str:
        """Join a class under a nickname (1–32 characters, kept as typed); the student's token, which
        every later post of this student carries."""
        name = check.nickname(nickname, self.limits)
        token = new_secret()
        with self._tx(write=True) as s:
            cls = self._open_class(s, code, lock="update")
            rows = s.execute(select(Student.number, Student.nickname).where(Student.class_id == cls.id)).all()
            if len(rows) >= self.limits.students_per_class:
                raise TooMany(ngettext("The class is full: it has {n} student, the most a class can have.",
                                       "The class is full: it has {n} students, the most a class can have.",
                                       len(rows)).format(n=len(rows)))
            if any(n.casefold() == name.casefold() for _x, n in rows):
                raise NicknameTaken(_("Another student of this class is called {name!r}; choose another "
                                      "nickname.").format(name=name))
            s.add(Student(class_id=cls.id, number=max((n for n, _x in rows), default=0) + 1, nickname=name,
                          token_hash=digest(token), joined=self.clock(), recent=[]))
        return token

    def post_run(self, code: str, token: str, run_id: str, page: str, settings: dict[str, Any],
                 seed: int | None, curve: list[tuple[int, float]], metrics: dict[str, Any],
                 final: bool = False) -> None:
        """Post a run, during training and at its end. Idempotent: a repeat of (student, run_id)
        updates that run. The curve is thinned to ≤ 200 points; run ids are unique in the class."""
        lim = self.limits
        rid = check.label("run id", run_id, lim)
        fields = dict(page=check.label("page", page, lim), seed=check.seed(seed),
                      settings=check.small_json("settings", settings, lim), curve=check.curve(curve, lim),
                      metrics=check.small_json("metrics", metrics, lim), final=bool(final))
        try:
            with self._tx(write=True) as s:
                cls, me, now = self._poster(s, code, token)
                run = self._run(s, cls, me, rid, must_exist=False)
                if run is None:
                    count = s.scalar(select(func.count()).select_from(Run).where(Run.student_id == me.id))
                    if count >= lim.runs_per_student:
                        raise TooMany(ngettext(
                            "You have {n} run in this class, the most a student can have; withdraw it to "
                            "post another.",
                            "You have {n} runs in this class, the most a student can have; withdraw one to "
                            "post another.", count).format(n=count))
                    run = Run(class_id=cls.id, student_id=me.id, run_id=rid, created=now)
                    s.add(run)
                for name, value in fields.items():
                    setattr(run, name, value)
                run.updated = now
        except IntegrityError:                # another student took this run id at the same moment
            raise NotYourRun(_("The run {run!r} belongs to another student.").format(run=rid)) from None

    def post_answer(self, code: str, token: str, checkpoint_id: str, answer: str | int | float,
                    outcome: str | int | float | None = None) -> None:
        """Post a checkpoint answer: the choice or the number, and what the student's own run
        measured there (`outcome`, checked like an answer, or None). One per student and checkpoint:
        the last post wins and sets both (a post without an outcome clears an earlier one)."""
        cid = check.label("checkpoint id", checkpoint_id, self.limits)
        value = check.answer(answer, self.limits)
        measured = None if outcome is None else check.answer(outcome, self.limits, outcome=True)
        with self._tx(write=True) as s:
            cls, me, now = self._poster(s, code, token)
            row = s.scalar(select(Answer).where(Answer.student_id == me.id, Answer.checkpoint_id == cid))
            if row is None:
                row = Answer(class_id=cls.id, student_id=me.id, checkpoint_id=cid)
                s.add(row)
            row.answer, row.outcome, row.updated = value, measured, now

    def withdraw_run(self, code: str, token: str, run_id: str) -> None:
        """Take one's own run off the board (another student's: `NotYourRun`)."""
        rid = check.label("run id", run_id, self.limits)
        with self._tx(write=True) as s:
            cls, me, _now = self._poster(s, code, token)
            s.delete(self._run(s, cls, me, rid, must_exist=True))

    # -- the board ----------------------------------------------------------------------------------

    def board(self, code: str, page: str | None = None, key: str | None = None) -> Board:
        """The class's runs (of `page`, if given) and answers. Nicknames with the lecturer key (a wrong
        key is refused, not ignored) or when the lecturer turned `show_names` on; else numbers."""
        if page is not None:
            check.label("page", page, self.limits)
        with self._tx(write=False) as s:
            cls = self._class(s, code, lock="none")
            if key is not None:
                self._check_key(cls, key)
            return read_board(s, cls, page, named=key is not None or cls.show_names)

    def check(self, code: str) -> str:
        """The class's code as shown (``K7Q-M2X-9HD``) for a code as typed; `UnknownClass` if none."""
        with self._tx(write=False) as s:
            return show_code(self._class(s, code, lock="none").code)

    def student(self, code: str, token: str) -> tuple[int, str]:
        """A returning student's number and nickname (a closed class too); `UnknownStudent` if the
        token is not of this class."""
        with self._tx(write=False) as s:
            me = self._student(s, self._class(s, code, lock="none"), token, lock=False)
            return me.number, me.nickname


def _delete_classes(s: Session, ids: list[int]) -> None:
    """Delete classes with their answers, runs and students (children first)."""
    if not ids:
        return
    for table in (Answer, Run, Student):
        s.execute(delete(table).where(table.class_id.in_(ids)))
    s.execute(delete(ClassRow).where(ClassRow.id.in_(ids)))
