"""classroom/outbox.py: posts that never block and are never lost. A fake store that fails on demand
checks order, coalescing, retries and refusals; a real SQLite store whose file another connection
holds write-locked checks that posts wait and arrive once. Conditions are polled with a deadline."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from classroom import ClassClosed, Outbox, Store, TooFast, UnknownRun, outbox, shared_store
from classroom.db import sqlite_url
from classroom.models import Answer, Run
from classroom.outbox import Poster, backoff
from rnn_core import i18n

FAST = (0.01, 0.05)                    # backoff of the fake-store tests
CLOSED = "Class K7Q-M2X-9HD is closed: it takes no more runs, answers or students."


def wait_for(condition: Callable[[], Any], timeout: float = 10.0) -> Any:
    deadline = time.monotonic() + timeout
    while not (value := condition()):
        assert time.monotonic() < deadline, "the condition did not hold in time"
        time.sleep(0.01)
    return value


class FakeStore:
    """Records what arrives; `down` fails every call, `fail` the next n, `refuse` what a key maps to."""

    def __init__(self, fail: int = 0) -> None:
        self.fail, self.down, self.calls, self.attempts = fail, False, [], 0
        self.refuse: dict[Any, Exception] = {}
        self.languages: list[str] = []
        self.runs: set[str] = set()
        self.lock = threading.Lock()

    def _arrive(self, key: Any, call: tuple) -> None:
        with self.lock:
            self.attempts += 1
            if self.down or self.fail > 0:
                self.fail -= 1
                raise OperationalError("INSERT …", {}, sqlite3.OperationalError("database is down"))
            if key in self.refuse:
                raise self.refuse.pop(key)
            self.calls.append(call)
            self.languages.append(i18n.current())

    def post_run(self, code: str, token: str, run_id: str, **payload: Any) -> None:
        self._arrive(run_id, ("run", token, run_id, payload["metrics"]["v"], payload["final"]))
        self.runs.add(run_id)

    def post_answer(self, code: str, token: str, checkpoint_id: str, answer: Any,
                    outcome: Any = None) -> None:
        self._arrive(checkpoint_id, ("answer", token, checkpoint_id, answer, outcome))

    def withdraw_run(self, code: str, token: str, run_id: str) -> None:
        if run_id not in self.runs:
            raise UnknownRun(f"You have no run {run_id!r} in this class.")
        self._arrive(("withdraw", run_id), ("withdraw", token, run_id))
        self.runs.discard(run_id)


@pytest.fixture
def poster() -> Iterator[Poster]:
    p = Poster()
    yield p
    p.close()


def box(store: Any, poster: Poster, token: str = "t", **kw: Any) -> Outbox:
    return Outbox(lambda: store, "K7Q-M2X-9HD", token, poster=poster, **{"backoff": FAST, **kw})


def post(out: Outbox, run_id: str, v: float, final: bool = False) -> None:
    out.post_run(run_id, page="sine", settings={"lr": 0.01}, seed=1, curve=[[0, v]], metrics={"v": v},
                 final=final)


def test_the_backoff_doubles_from_half_a_second_to_five() -> None:
    waits = [0.0]
    for _ in range(6):
        waits.append(backoff(waits[-1]))
    assert waits[1:] == [0.5, 1.0, 2.0, 4.0, 5.0, 5.0]


def test_everything_arrives_once_and_in_order_through_failures(poster: Poster) -> None:
    store = FakeStore(fail=4)
    out = box(store, poster)
    for i in range(10):
        post(out, f"r{i}", i) if i % 2 else out.post_answer(f"c{i}", i, outcome=str(i))
    assert out.flush(10)
    assert store.calls == [("run", "t", f"r{i}", i, False) if i % 2 else ("answer", "t", f"c{i}", i, str(i))
                           for i in range(10)]
    assert store.attempts == 14 and out.status() == outbox.OutboxStatus(0, None, [], 10)


def test_later_posts_wait_behind_a_failing_one_and_the_failure_is_shown(poster: Poster) -> None:
    store = FakeStore()
    store.down = True
    out = box(store, poster)
    post(out, "r1", 1.0)
    out.post_answer("c1", "a")
    status = wait_for(lambda: (s := out.status()).failing and store.attempts >= 3 and s)
    assert (status.pending, status.failing, status.sent) == (2, "database is down", 0)
    assert store.calls == [] and out.flush(0.05) is False
    store.down = False
    assert out.flush(10)
    assert [c[:3] for c in store.calls] == [("run", "t", "r1"), ("answer", "t", "c1")]
    assert out.status().failing is None


def test_coalescing_keeps_the_last_state_of_a_run_in_its_place(poster: Poster) -> None:
    store = FakeStore()
    store.down = True
    out = box(store, poster)
    for v in range(5):
        post(out, "r1", v)
    out.post_answer("c1", "a")
    post(out, "r2", 0.0)
    out.post_answer("c1", "b", outcome="a")
    post(out, "r1", 9.0, final=True)
    post(out, "r3", 0.0)
    out.withdraw_run("r3")                                  # never sent: replaced, and done quietly
    assert out.status().pending == 4
    store.down = False
    assert out.flush(10)
    assert store.calls == [("run", "t", "r1", 9.0, True), ("answer", "t", "c1", "b", "a"),
                           ("run", "t", "r2", 0.0, False)]
    out.withdraw_run("r2")
    assert out.flush(10) and store.calls[-1] == ("withdraw", "t", "r2")
    assert store.runs == {"r1"} and out.status().refused == []


def test_a_refusal_drops_that_post_only_and_keeps_its_message(poster: Poster) -> None:
    store = FakeStore(fail=1)
    store.refuse["c2"] = ClassClosed(CLOSED)
    out = box(store, poster)
    for i in range(4):
        out.post_answer(f"c{i}", "a")
    assert out.flush(10)
    assert [c[2] for c in store.calls] == ["c0", "c1", "c3"]
    assert out.status().refused == [CLOSED]
    assert out.take_refused() == [CLOSED]
    assert out.take_refused() == [] and out.status().sent == 3


def test_too_fast_is_a_pace_the_post_waits_and_goes(poster: Poster) -> None:
    store = FakeStore()
    store.refuse["c1"] = TooFast("At most 60 posts a minute are allowed; try again in 1 s.", retry_after=0.2)
    out = box(store, poster)
    out.post_answer("c1", "a")
    out.post_answer("c2", "b")
    wait_for(lambda: out.status().failing == "At most 60 posts a minute are allowed; try again in 1 s.")
    assert store.calls == []                                # c2 waits behind c1
    assert out.flush(10)
    assert [c[2] for c in store.calls] == ["c1", "c2"] and out.status().refused == []


def test_a_post_is_sent_in_the_language_it_was_made_in(poster: Poster) -> None:
    store = FakeStore()
    out = box(store, poster)
    with i18n.language("ru"):
        out.post_answer("c1", "a")
    out.post_answer("c2", "a")
    assert out.flush(10) and store.languages == ["ru", "en"]


def test_one_worker_serves_every_outbox_and_a_failing_one_holds_no_other_up(poster: Poster) -> None:
    down, up = FakeStore(), FakeStore()
    down.down = True
    slow, fast = box(down, poster, "a", backoff=(0.2, 0.2)), box(up, poster, "b")
    post(slow, "a1", 1.0)
    for i in range(5):
        fast.post_answer(f"c{i}", i)
    assert fast.flush(10) and len(up.calls) == 5
    assert slow.status().pending == 1
    workers = [t for t in threading.enumerate() if t.name == "classroom-poster" and t is poster._thread]
    assert len(workers) == 1
    down.down = False
    assert slow.flush(10) and down.calls[0][:3] == ("run", "a", "a1")


def test_sessions_posting_at_once_keep_each_ones_order(poster: Poster) -> None:
    store = FakeStore(fail=20)
    boxes = [box(store, poster, f"s{n}") for n in range(4)]
    start = threading.Barrier(4)

    def session(out: Outbox) -> None:
        start.wait(timeout=10)
        for i in range(40):
            out.post_answer(f"c{i}", i)

    threads = [threading.Thread(target=session, args=(b,)) for b in boxes]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=10)
    assert all(b.flush(10) for b in boxes)
    for n in range(4):
        assert [c[2] for c in store.calls if c[1] == f"s{n}"] == [f"c{i}" for i in range(40)]
    assert len(store.calls) == 160


def test_posts_wait_for_a_write_locked_sqlite_file_and_arrive_once(tmp_path) -> None:
    url = sqlite_url(tmp_path / "c.sqlite3")
    store = Store(url, busy_timeout=0.05)
    code, _ = store.create_class()
    token = store.join(code, "Ada")
    poster = Poster()
    out = Outbox(lambda: store, code, token, poster=poster)        # the real backoff: 0.5 s, 1 s, …
    lock = sqlite3.connect(tmp_path / "c.sqlite3", isolation_level=None)
    try:
        lock.execute("BEGIN IMMEDIATE")
        for v in range(3):
            post(out, "r1", float(v), final=v == 2)
        post(out, "r2", 5.0)
        out.post_answer("c1", "a", outcome=0.5)
        assert wait_for(lambda: out.status().failing) == "database is locked"
        assert out.status().pending == 3
        lock.execute("ROLLBACK")
        assert out.flush(10)
    finally:
        lock.close()
        poster.close()
    with store.engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(Run)) == 2
        assert conn.scalar(select(func.count()).select_from(Answer)) == 1
    board = store.board(code)
    assert [(r.run_id, r.metrics, r.final) for r in board.runs] == [("r1", {"v": 2.0}, True),
                                                                    ("r2", {"v": 5.0}, False)]
    assert [(a.answer, a.outcome) for a in board.answers] == [("a", 0.5)]
    assert out.status() == outbox.OutboxStatus(0, None, [], 3)
    store.dispose()


def test_shared_store_is_one_store_a_url_per_process(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(outbox, "_STORES", {})
    url = sqlite_url(tmp_path / "a.sqlite3")
    got: list[Store] = []
    threads = [threading.Thread(target=lambda: got.append(shared_store(url))) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert len(got) == 8 and all(s is got[0] for s in got)
    monkeypatch.setenv("RNNX_DATABASE_URL", url)
    assert shared_store() is got[0]
    other = shared_store(sqlite_url(tmp_path / "b.sqlite3"))
    assert other is not got[0]
    for s in outbox._STORES.values():
        s.dispose()
