"""What every method of the class store starts with: one transaction, then the checks of the code, the
lecturer key or the student token, closed or not and the pace, each refusal a sentence in the person's
language (`rnn_core.i18n`). `Store` (classroom/store.py) is made of these and its public methods."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Literal

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from rnn_core.i18n import _, ngettext

from .codes import digest, normalise_code, same_secret, show_code
from .db import WRITE
from .errors import ClassClosed, NotYourRun, TooFast, UnknownClass, UnknownRun, UnknownStudent, WrongKey
from .limits import Limits
from .models import ClassRow, Run, Student

Lock = Literal["none", "share", "update"]
WINDOW = 60.0                     # seconds of the per-minute post limit


class Access:
    """The store's database, limits and clock, and the checks its methods share."""

    engine: Engine
    limits: Limits
    clock: Callable[[], float]

    @contextmanager
    def _tx(self, write: bool) -> Iterator[Session]:
        """One transaction; SQLite writers take the write lock at its start."""
        with self.engine.connect() as conn:
            conn = conn.execution_options(**{WRITE: write})
            with Session(bind=conn, expire_on_commit=False, autoflush=True) as s, s.begin():
                yield s

    def _class(self, s: Session, code: str, lock: Lock) -> ClassRow:
        norm = normalise_code(code)
        query = select(ClassRow).where(ClassRow.code == (norm or ""))
        if lock != "none":
            query = query.with_for_update(read=lock == "share")
        cls = s.scalar(query) if norm else None
        if cls is None:
            shown = code[:20] if isinstance(code, str) else ""
            raise UnknownClass(_("No class has the code {code!r}. A class code has 9 letters and digits, "
                                 "like K7Q-M2X-9HD (the lecturer shows it); the class may also have "
                                 "ended.").format(code=shown))
        return cls

    def _check_key(self, cls: ClassRow, key: str) -> None:
        if not same_secret(key, cls.key_hash):
            raise WrongKey(_("That is not the lecturer key of class {code}; nothing was changed or "
                             "shown.").format(code=show_code(cls.code)))

    def _lecturer(self, s: Session, code: str, key: str, lock: Lock = "update") -> ClassRow:
        cls = self._class(s, code, lock)
        self._check_key(cls, key)
        return cls

    def _open_class(self, s: Session, code: str, lock: Lock) -> ClassRow:
        cls = self._class(s, code, lock)
        if cls.closed is not None:
            raise ClassClosed(_("Class {code} is closed: it takes no more runs, answers or "
                                "students.").format(code=show_code(cls.code)))
        return cls

    def _poster(self, s: Session, code: str, token: str) -> tuple[ClassRow, Student, float]:
        """The open class, the student of `token` (row locked) and now, counted against the rate."""
        cls = self._open_class(s, code, lock="share")
        me = self._student(s, cls, token, lock=True)
        now = self.clock()
        recent = [t for t in me.recent if now - WINDOW < t <= now]
        most = self.limits.posts_per_minute
        if len(recent) >= most:
            wait = WINDOW - (now - min(recent))
            raise TooFast(ngettext("At most {n} post a minute is allowed; try again in {wait} s.",
                                   "At most {n} posts a minute are allowed; try again in {wait} s.",
                                   most).format(n=most, wait=max(1, round(wait))), retry_after=wait)
        me.recent = [*recent, now]
        return cls, me, now

    def _student(self, s: Session, cls: ClassRow, token: str, lock: bool) -> Student:
        query = select(Student).where(Student.class_id == cls.id, Student.token_hash == digest(str(token)))
        me = s.scalar(query.with_for_update() if lock else query)
        if me is None:
            raise UnknownStudent(_("This student token does not belong to class {code}; join the class to "
                                   "post.").format(code=show_code(cls.code)))
        return me

    def _run(self, s: Session, cls: ClassRow, me: Student, rid: str, must_exist: bool) -> Run | None:
        """The class's run `rid` if it is `me`'s; another student's is refused."""
        run = s.scalar(select(Run).where(Run.class_id == cls.id, Run.run_id == rid))
        if run is not None and run.student_id != me.id:
            raise NotYourRun(_("The run {run!r} belongs to another student; a student can change and "
                               "withdraw only their own runs.").format(run=rid))
        if run is None and must_exist:
            raise UnknownRun(_("You have no run {run!r} in this class.").format(run=rid))
        return run
