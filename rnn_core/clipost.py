"""``python -m rnn_core train EXPERIMENT … --class CODE [--nickname N] [--db URL]``: join a class, then
post the run to it while it trains (what a post carries: rnn_core/classpost.py; the store: classroom/).

The nickname defaults to ``cli-`` and 4 random letters; a taken one is refused before training, as is a
closed class or an unknown code. A posted run trains in chunks of at most ``CHUNK`` seconds and a
``RECORDS``-th of the run (``chunk``; each is a record of its history, a point of its loss curve). The
run (id: 12 hex digits of a uuid4) is posted about every ``POST_EVERY`` seconds of training and once at
its end, ``final``. A post the database misses is said on stderr and training goes on (the next post
tries again); the final post is tried ``FINAL_TRIES`` times. A refusal of a post (the class closed
meanwhile) stops the posting, not the training. The JSON result gains ``class``: ``code``, ``run_id``,
``nickname``, ``posted`` (the final post arrived).
"""

from __future__ import annotations

import argparse
import secrets
import string
import time
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from . import classpost
from .cliclass import first_line, open_store, translated
from .experiments import Experiment

if TYPE_CHECKING:
    from classroom import Store

    from .trainer import Trainer

POST_EVERY = 3.0            # s of training between posts of a run
CHUNK = 1.0                 # at most s trained between looks at the clock (cli.train) when a run is posted
RECORDS = 100               # and at most 1/RECORDS of the run: each chunk is a point of the loss curve
FINAL_TRIES = 3             # attempts at the final post
RETRY_WAIT = 1.0            # s before the second attempt at it (twice that before the third)


def chunk(trainer: Trainer) -> dict[str, Any]:
    """What ``Trainer.run`` trains between two looks at the clock of a posted run: ``CHUNK`` seconds,
    or a ``RECORDS``-th of the run if that comes first, so a short run's curve has points too (the
    history gets a record per chunk; each costs an evaluation)."""
    return {"seconds": CHUNK, "steps": max(1, trainer.total_steps // RECORDS)}


class Poster:
    """Posts one run to a class: call it with the trainer between chunks of training (it posts when
    ``POST_EVERY`` s have passed) and once the run is done (the final post, tried up to ``FINAL_TRIES``
    times; then the store is closed)."""

    def __init__(self, store: Store, code: str, token: str, nickname: str, exp: Experiment,
                 say: Callable[[str], None]) -> None:
        from classroom import normalise_code, show_code
        self.store, self.token, self.nickname, self.exp, self.say = store, token, nickname, exp, say
        self.code = show_code(normalise_code(code) or code)
        self.run_id = uuid.uuid4().hex[:12]
        self.due = time.monotonic() + POST_EVERY
        self.posted = False          # the final post arrived
        self.stopped = False         # the store refused the run for good, or the final post was made

    def __call__(self, trainer: Trainer) -> None:
        if trainer.last is None or self.stopped:
            return
        if trainer.last.done:
            self._final(trainer)
        elif time.monotonic() >= self.due:
            self._post(trainer)
            self.due = time.monotonic() + POST_EVERY

    def _post(self, trainer: Trainer) -> bool:
        """One post of the run as it is now; whether it arrived (why not is said on stderr)."""
        from sqlalchemy.exc import SQLAlchemyError

        from classroom import ClassError, TooFast
        try:
            self.store.post_run(self.code, self.token, self.run_id,
                                **classpost.payload(self.exp, trainer.last, trainer.history))
            return True
        except ClassError as e:
            self.stopped = not isinstance(e, TooFast)
            self.say(f"class {self.code}: {e}" + ("; the run trains on, no longer posted" if self.stopped
                                                  else ""))
        except (SQLAlchemyError, OSError) as e:
            self.say(f"class {self.code}: the database cannot be reached ({first_line(e)}); training goes "
                     "on, the next post tries again")
        return False

    def _final(self, trainer: Trainer) -> None:
        for attempt in range(FINAL_TRIES):
            if attempt:
                time.sleep(RETRY_WAIT * attempt)
            if self._post(trainer):
                self.posted = True
                break
            if self.stopped:
                break
        if not self.posted:
            self.say(f"class {self.code}: the finished run was not posted")
        self.stopped = True
        self.store.dispose()

    def summary(self) -> dict[str, Any]:
        """The ``class`` entry of ``train --json``."""
        return {"code": self.code, "run_id": self.run_id, "nickname": self.nickname, "posted": self.posted}


def summary_text(c: dict[str, Any]) -> str:
    """The ``class`` entry as the last line of ``train``'s text result."""
    return f"  class {c['code']}: run {c['run_id']} by {c['nickname']}, {'' if c['posted'] else 'not '}posted"


def joined(args: argparse.Namespace, exp: Experiment, say: Callable[[str], None]) -> Poster | None:
    """``train``'s class options: None without ``--class`` (``--nickname`` or ``--db`` alone are
    refused), else the class joined and a `Poster` for the run."""
    if args.class_code is None:
        given = (("--nickname", args.nickname), ("--db", args.db))
        stray = next((o for o, v in given if v is not None), None)
        if stray is not None:
            raise ValueError(f"{stray}: given without --class CODE, expected with it (the class to post to)")
        return None
    store = open_store(args.db)
    try:
        with translated(args.db):
            nickname, token = _join(store, args.class_code, args.nickname)
    except BaseException:
        store.dispose()
        raise
    return Poster(store, args.class_code, token, nickname, exp, say)


def _join(store: Store, code: str, nickname: str | None) -> tuple[str, str]:
    """The nickname and the token of a student who joined; a made-up nickname is made up again if
    taken (twice), one given is refused if taken."""
    from classroom import NicknameTaken
    if nickname is not None:
        return nickname.strip(), store.join(code, nickname)
    for attempt in range(3):
        name = "cli-" + "".join(secrets.choice(string.ascii_lowercase) for _ in range(4))
        try:
            return name, store.join(code, name)
        except NicknameTaken:
            if attempt == 2:
                raise
    raise AssertionError("unreachable")
