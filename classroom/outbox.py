"""Posts from the app to the class store that never block training and are never lost while the process
lives: each student session has an `Outbox` of pending posts, one worker thread of the process (a
`Poster`) sends them through a `Store`.

- **Order and coalescing.** An outbox sends its posts in the order they were made. A newer post of the
  same key (the same run id; the same checkpoint's answer) replaces the queued older one in its place,
  so a run posted every tick while the database is slow costs one post, its last state. That is
  allowed because posts are idempotent (a repeat of a run updates it, the last answer wins).
  `withdraw_run` replaces a queued post of that run as well; a withdrawal of a run the store does not
  have (it was never sent) is done, not refused.
- **A database error that may pass** (SQLAlchemy's `DBAPIError`, which includes `OperationalError`:
  down, locked, a dropped connection; a pool timeout; `OSError`): the post stays first in its outbox and
  is sent again after a backoff, 0.5 s doubling to 5 s; later posts of that outbox wait behind it.
  `status().failing` is the error's text meanwhile.
- **A refusal** (`ClassError`: the class closed, too many runs, not your run, bad input): the post is
  dropped and its sentence kept until `take_refused()`. `TooFast` is a pace, not a refusal: the post
  waits `retry_after` seconds (at most 60, the window) and is sent again.
- **Language.** A post remembers the language of the thread that made it (`rnn_core.i18n`); the worker
  sends it in that language, so a refusal reads in the person's language.

Nothing here knows Streamlit: the app keeps an outbox in its session state and shows `status()`.
"""

from __future__ import annotations

import atexit
import copy
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from rnn_core import i18n
from rnn_core.i18n import _

from .db import default_url
from .errors import ClassError, TooFast, UnknownRun
from .store import Store

LOG = logging.getLogger(__name__)
PASSING = (DBAPIError, PoolTimeout, OSError, TimeoutError)   # errors that may pass: retried
BACKOFF = (0.5, 5.0)          # the first wait after a passing error, the longest
PACE_WAIT = 60.0              # the longest wait after TooFast (the limit's window)


def backoff(previous: float, first: float = BACKOFF[0], most: float = BACKOFF[1]) -> float:
    """The wait after another failure: `first`, then doubling up to `most`."""
    return first if previous <= 0 else min(most, previous * 2)


@dataclass
class _Post:
    key: tuple[str, str]          # ("run", run id) or ("answer", checkpoint id)
    method: str                   # the Store method: post_run, post_answer, withdraw_run
    args: tuple[Any, ...]
    kwargs: dict[str, Any]
    lang: str


@dataclass(frozen=True)
class OutboxStatus:
    """What an outbox is doing: posts waiting (the one being sent included), the database error while
    it retries (or the pace sentence while it waits after TooFast), refusals not yet taken, posts sent."""

    pending: int
    failing: str | None
    refused: list[str]
    sent: int


class Outbox:
    """The pending posts of one student in one class. `store_getter` gives the Store at each send
    (e.g. `shared_store`; a failure to open it is an error that may pass)."""

    def __init__(self, store_getter: Callable[[], Store], code: str, token: str, *,
                 backoff: tuple[float, float] = BACKOFF, poster: Poster | None = None) -> None:
        self.code, self.token = code, token
        self._store = store_getter
        self._backoff = backoff
        self._poster = poster or POSTER
        self._queue: list[_Post] = []
        self._wait = 0.0                  # the last backoff; 0 after a post went through or was refused
        self.ready_at = 0.0               # time.monotonic() at which the first post may be sent
        self._failing: str | None = None
        self._refused: list[str] = []
        self._sent = 0

    # -- what the app calls (never blocks on the database) ------------------------------------------

    def post_run(self, run_id: str, *, page: str, settings: dict[str, Any], seed: int | None,
                 curve: list[Any], metrics: dict[str, Any], final: bool = False) -> None:
        """Queue a post of the run (`Store.post_run`; the values are copied now)."""
        payload = copy.deepcopy(dict(page=page, settings=settings, seed=seed, curve=curve, metrics=metrics))
        self._put(_Post(("run", run_id), "post_run", (run_id,), {**payload, "final": bool(final)},
                        i18n.current()))

    def post_answer(self, checkpoint_id: str, answer: str | int | float,
                    outcome: str | int | float | None = None) -> None:
        """Queue an answer (`Store.post_answer`)."""
        self._put(_Post(("answer", checkpoint_id), "post_answer", (checkpoint_id, answer),
                        {"outcome": outcome}, i18n.current()))

    def withdraw_run(self, run_id: str) -> None:
        """Queue the withdrawal of the run; a queued post of it is replaced (never sent)."""
        self._put(_Post(("run", run_id), "withdraw_run", (run_id,), {}, i18n.current()))

    def status(self) -> OutboxStatus:
        with self._poster.cond:
            return OutboxStatus(len(self._queue), self._failing, list(self._refused), self._sent)

    def take_refused(self) -> list[str]:
        """The sentences of the refused posts since the last call (then forgotten)."""
        with self._poster.cond:
            taken, self._refused = self._refused, []
            return taken

    def flush(self, timeout: float | None = None) -> bool:
        """Wait until every post is sent or refused; False if `timeout` seconds passed first."""
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._poster.cond:
            while self._queue:
                left = None if deadline is None else deadline - time.monotonic()
                if left is not None and left <= 0:
                    return False
                self._poster.cond.wait(left)
            return True

    # -- inside (the poster's lock is held, except in _send) ----------------------------------------

    def _put(self, post: _Post) -> None:
        with self._poster.cond:
            for i, queued in enumerate(self._queue):
                if queued.key == post.key:
                    self._queue[i] = post                       # the newer state, in the older's place
                    break
            else:
                self._queue.append(post)
            self._poster.wake(self)

    def _send(self, post: _Post) -> tuple[str, str | None, float]:
        """Send one post (no lock held): ("sent" | "refused" | "retry" | "pace", its text, the pace's
        wait in seconds)."""
        try:
            with i18n.language(post.lang):
                getattr(self._store(), post.method)(self.code, self.token, *post.args, **post.kwargs)
        except UnknownRun as e:
            if post.method == "withdraw_run":
                return "sent", None, 0.0                        # gone already: what a withdrawal wants
            return "refused", str(e), 0.0
        except TooFast as e:
            return "pace", str(e), min(PACE_WAIT, max(e.retry_after, self._backoff[0]))
        except ClassError as e:
            return "refused", str(e), 0.0
        except PASSING as e:
            return "retry", _reason(e), 0.0
        except Exception as e:  # noqa: BLE001 (a bug must not stop the other posts; it is logged)
            LOG.exception("class post %s failed", post.method)
            with i18n.language(post.lang):
                return "refused", _("A post to the class failed and was dropped ({error}).").format(
                    error=f"{type(e).__name__}: {e}"), 0.0
        return "sent", None, 0.0

    def _settle(self, post: _Post, result: tuple[str, str | None, float]) -> None:
        kind, text, wait = result
        if kind in ("retry", "pace"):                           # the post stays first and waits
            if kind == "retry":
                wait = self._wait = backoff(self._wait, *self._backoff)
            self.ready_at, self._failing = time.monotonic() + wait, text
            return
        if self._queue and self._queue[0] is post:              # unless a newer post replaced it
            self._queue.pop(0)
        self._wait, self.ready_at, self._failing = 0.0, 0.0, None
        if kind == "sent":
            self._sent += 1
        else:
            self._refused.append(text or "")


def _reason(e: BaseException) -> str:
    """The database's own words for a passing error (the driver's message, first line)."""
    orig = getattr(e, "orig", None)
    text = str(orig if orig is not None else e).strip()
    return text.splitlines()[0] if text else type(e).__name__


class Poster:
    """The process's one worker thread that sends the posts of every outbox (started at the first
    post, a daemon): it takes the first post of an outbox that is ready, in turn, so an outbox that
    waits to retry does not hold the others up."""

    def __init__(self) -> None:
        self.cond = threading.Condition()
        self._boxes: list[Outbox] = []    # outboxes with posts, next in turn first
        self._thread: threading.Thread | None = None
        self._closed = False

    def wake(self, box: Outbox) -> None:
        """`box` has a new post (the lock is held)."""
        if box not in self._boxes:
            self._boxes.append(box)
        if self._thread is None or not self._thread.is_alive():
            self._thread = threading.Thread(target=self._loop, name="classroom-poster", daemon=True)
            self._thread.start()
        self.cond.notify_all()

    def drain(self, timeout: float) -> bool:
        """Wait until every outbox is empty; False if `timeout` seconds passed first (at exit)."""
        deadline = time.monotonic() + timeout
        with self.cond:
            while self._boxes and not self._closed:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self.cond.wait(left)
            return not self._boxes

    def close(self) -> None:
        """Stop the worker (tests); posts still queued stay queued."""
        with self.cond:
            self._closed = True
            self.cond.notify_all()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def _next(self) -> tuple[Outbox, _Post] | None:
        """The next outbox in turn whose first post may go now; waits for one (the lock is held)."""
        while not self._closed:
            now = time.monotonic()
            self._boxes = [b for b in self._boxes if b._queue]
            ready = [b for b in self._boxes if b.ready_at <= now]
            if ready:
                box = ready[0]
                self._boxes.remove(box)
                self._boxes.append(box)                         # then the others' turn
                return box, box._queue[0]
            soonest = min((b.ready_at for b in self._boxes), default=None)
            self.cond.wait(None if soonest is None else soonest - now)
        return None

    def _loop(self) -> None:
        while True:
            with self.cond:
                picked = self._next()
            if picked is None:
                return
            box, post = picked
            result = box._send(post)
            with self.cond:
                box._settle(post, result)
                if not box._queue and box in self._boxes:
                    self._boxes.remove(box)
                self.cond.notify_all()


POSTER = Poster()
atexit.register(POSTER.drain, 3.0)          # a last chance for the posts of a stopping process

_STORES: dict[str, Store] = {}
_STORES_LOCK = threading.Lock()


def shared_store(url: str | None = None) -> Store:
    """The process's one Store for `url` (default: `classroom.db.default_url()`), made at the first
    call (which opens and migrates the database); thread-safe. A failure is not kept: the next call
    tries again."""
    url = url or default_url()
    with _STORES_LOCK:
        store = _STORES.get(url)
        if store is None:
            store = _STORES[url] = Store(url)
        return store
