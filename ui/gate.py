"""Sharing one process among many sessions (a classroom): ticks take turns, and training shrinks with
the number of sessions ticking.

Why: the ticks of a process share one core (the GIL), and so does the event loop that sends their
redraws. Run side by side, 30 sessions' ticks each took seconds, the next tick's messages replaced the
unsent ones, and no redraw reached a browser at all (bench/classroom.py: 0 updates/s with 30 tabs on
one process). Taking turns in arrival order, each tick runs at full speed and its redraw goes out; a
session waits at most one round of the others' ticks.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from types import TracebackType


class FairGate:
    """A lock granted in arrival order (``threading.Lock`` and ``Semaphore`` let a newcomer take it
    before a thread that has waited: the sessions with the cheapest ticks would take most turns).
    Re-entrant: a thread that holds it may enter again (a Step inside a page run that holds it)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._owner: int | None = None               # thread holding the gate
        self._depth = 0
        self._queue: deque[threading.Event] = deque()

    def __enter__(self) -> FairGate:
        me = threading.get_ident()
        with self._lock:
            if self._owner == me:
                self._depth += 1
                return self
            if self._owner is None:
                self._owner, self._depth = me, 1
                return self
            turn = threading.Event()
            self._queue.append(turn)
        turn.wait()                                   # set by the release that hands the gate over
        with self._lock:
            self._owner, self._depth = me, 1
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 tb: TracebackType | None) -> None:
        with self._lock:
            self._depth -= 1
            if self._depth:
                return
            self._owner = None
            if self._queue:
                self._owner = -1                      # handed over: nobody may slip in before the next
                self._queue.popleft().set()           # the gate passes straight to the next in line

    @property
    def waiting(self) -> int:
        """Sessions waiting for their turn now."""
        return len(self._queue)

    @property
    def held(self) -> bool:
        """Whether the calling thread holds the gate."""
        return self._owner == threading.get_ident()


CROWDED_SHARE = 1.0              # the share of its share a crowded process (``Load.interval``) trains


class Load:
    """The sessions of this process that ticked lately, and the training budget that leaves each its
    share: all of them together train at most ``share`` of a core at ``rate`` ticks a second — or, when
    only a few tick, up to ``solo`` / n each (one person alone gets nearly the whole core; a class of
    30 shares ``share``, the rest of the core drawing their pages)."""

    def __init__(self, share: float, rate: float, window: float = 2.0, solo: float | None = None) -> None:
        self.share, self.rate, self.window = share, rate, window
        self.solo = share if solo is None else solo          # the share of a session ticking alone
        self._last: dict[int, float] = {}                # id(session's page) → when it last ticked
        self._crowded = False                            # ``interval``'s state
        self._lock = threading.Lock()

    def budget(self, who: object, cap: float, now: float | None = None) -> float:
        """Seconds of training for this tick of ``who`` (at most ``cap``); marks ``who`` as ticking."""
        now = time.monotonic() if now is None else now
        with self._lock:
            self._last[id(who)] = now
            for k in [k for k, t in self._last.items() if now - t > self.window]:
                del self._last[k]
            n = len(self._last)
        if n == 1 and self.solo > self.share:
            return cap                 # alone: ticks as long as the caller allows (its drawing is the rest)
        share = self.share * (CROWDED_SHARE if self._crowded else 1.0)
        return min(cap, max(share, self.solo / n) / (self.rate * n))

    def interval(self, usual: float, crowded: float, crowd: int, now: float | None = None) -> float:
        """Seconds between a session's ticks: ``usual``, or ``crowded`` once ``crowd`` sessions tick (and
        until fewer than ``crowd`` - 4 do: no flapping at the edge). A saturated process answers a tab
        about once a second however often it asks; asking less often shortens the queue each request
        waits in (bench/classroom.py, 60 tabs on 2 cores: redraw latency p95 1.8 s at 2 Hz)."""
        n = self.ticking(now)
        self._crowded = n >= crowd or (self._crowded and n > crowd - 4)
        return crowded if self._crowded else usual

    def ticking(self, now: float | None = None) -> int:
        """How many sessions ticked within the window."""
        now = time.monotonic() if now is None else now
        with self._lock:
            return sum(1 for t in self._last.values() if now - t <= self.window)
