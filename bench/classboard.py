"""A class with its board, on one machine: ``--students`` (60) emulated tabs (bench/stclient.py) open
/sine_wave?class=CODE&epochs=N through nginx and 2 replicas (deploy/serve.sh), join with a nickname, press
Train, and start a new run (Reset, Train) whenever one completes, for ``--seconds`` (60); ``--epochs`` (10:
runs short enough to complete under that load, so new runs reach the board in the window and the finished
ones are posted final); one lecturer tab keeps
the board (/class?class=CODE&key=KEY) open. Once with the class store in SQLite (RNNX_CLASS_DB), once in
PostgreSQL (RNNX_DATABASE_URL, a throwaway cluster from tests/pgcluster.py).

    python bench/classboard.py [--seconds 60] [--students 60] [--epochs 10] [--stores sqlite,postgresql]

Per store, one row:

* posts/s: run posts that reached the store per second of the window (this process reads the runs'
  ``updated`` every 0.5 s; a run posts at most every 3 s, so each post is seen); pace: the tabs training
  on average over 3 s (ui/classlink.py POST_EVERY), the rate without a run's first and final posts;
* board p50/p95: seconds between two redraws of the lecturer's board (its metrics reaching the tab);
* stale p50/p95: seconds from a run's first post (its ``created`` in the store) to the board's "Runs on
  this page" counting it (new runs only; later posts of a run change no number on the board);
* lost / doubled: per student, the runs the tab trained (a Train after which its status line showed a
  step > 0) against the runs the store has at the end (after the tabs kept ticking GRACE seconds); and
  runs that completed in the tab but are not final in the store;
* DB kB/student: SQLite file and its WAL, or PostgreSQL's tables with their indexes and TOAST;
* upd/s: median redraws per second of the students' live views; CPU: the replicas' CPU over the window
  (% of one core; the machine has ``nproc`` cores), and this process's.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import case, func, select, text  # noqa: E402

from bench.classroom import (  # noqa: E402
    OPEN_TIMEOUT,
    PRESS_TIMEOUT,
    REACTION,
    Cluster,
    cpu_seconds,
    guarded,
    pct,
    replica_routes,
)
from bench.stclient import Tab  # noqa: E402
from classroom import Store, normalise_code  # noqa: E402
from classroom.db import sqlite_url  # noqa: E402
from classroom.models import ClassRow, Run  # noqa: E402
from classroom.models import Student as StudentRow  # noqa: E402
from tests import pgcluster  # noqa: E402

PAGE, EXP = "sine_wave", "sine"
POST_EVERY = 3.0                  # ui/classlink.py: a training run posts at most this often
READ_EVERY = 0.5                  # s between two reads of the runs' `updated`
GRACE = 6.0                       # s the tabs go on ticking after the window, for the last posts to land
SETTLE = 5.0                      # s of training before the window starts


# ----------------------------------------------------------------------------- the store's side

@dataclass
class StoreReader:
    """Reads (run id, updated) of the class's runs every READ_EVERY s in a thread: every post seen."""

    store: Store
    class_id: int
    posts: set[tuple[str, float]] = field(default_factory=set)
    error: BaseException | None = None
    _stop: threading.Event = field(default_factory=threading.Event)

    def run(self) -> None:
        q = select(Run.run_id, Run.updated).where(Run.class_id == self.class_id)
        try:
            while not self._stop.is_set():
                with self.store.engine.connect() as conn:
                    self.posts.update((r, u) for r, u in conn.execute(q))
                self._stop.wait(READ_EVERY)
        except BaseException as e:  # noqa: BLE001 -- reported in the table
            self.error = e

    def stop(self) -> None:
        self._stop.set()


def db_bytes(store: Store, sqlite_path: Path | None) -> int:
    """The SQLite file and its WAL, or the class tables in PostgreSQL (with indexes and TOAST)."""
    if sqlite_path is not None:
        return sum(p.stat().st_size for p in (sqlite_path, Path(f"{sqlite_path}-wal")) if p.exists())
    with store.engine.connect() as conn:
        return int(conn.execute(text(
            "SELECT sum(pg_total_relation_size(c)) FROM unnest(ARRAY['classes','students','runs',"
            "'answers']) AS c")).scalar() or 0)


# ----------------------------------------------------------------------------- the tabs

@dataclass
class Student:
    tab: Tab
    nickname: str
    trains: list[float] = field(default_factory=list)       # monotonic times of the Train presses
    resets: list[float] = field(default_factory=list)

    def trained(self) -> tuple[int, int]:
        """(runs that made a step, runs that completed): a Train counts once its status line showed a
        step > 0 before the next Reset; complete once it showed step == total."""
        made = done = 0
        for t in self.trains:
            end = next((r for r in self.resets if r > t), float("inf"))
            seen = [(s, n) for when, s, n in self.tab.stats.steps if t < when < end]
            made += any(s > 0 for s, _n in seen)
            done += any(s == n > 0 for s, n in seen)
        return made, done


async def keep_training(st: Student, stop: asyncio.Event) -> None:
    """Train; when the run completes, Reset and Train again (as bench/classroom.py's students)."""
    tab = st.tab
    st.trains.append(time.monotonic())
    await tab.press("train_toggle", PRESS_TIMEOUT)
    stopped = asyncio.create_task(stop.wait())
    while not stop.is_set():
        idle = asyncio.create_task(tab.wait_idle())
        await asyncio.wait({idle, stopped}, return_when=asyncio.FIRST_COMPLETED)
        idle.cancel()
        if stop.is_set() or not tab.alive:
            break
        await asyncio.sleep(REACTION)
        st.resets.append(time.monotonic())
        await tab.press("reset", PRESS_TIMEOUT)
        st.trains.append(time.monotonic())
        await tab.press("train_toggle", PRESS_TIMEOUT)
    stopped.cancel()


async def join(st: Student) -> None:
    await st.tab.open(OPEN_TIMEOUT)
    await st.tab.press_with_text("class_join_btn_side", {"class_nick_side": st.nickname}, PRESS_TIMEOUT)


def _training_share(tab: Tab, t0: float, t1: float) -> float:
    """The share of the tab's status lines in [t0, t1] that show a run in progress."""
    seen = [0 < step < total for when, step, total in tab.stats.steps if t0 <= when <= t1]
    return sum(seen) / len(seen) if seen else 0.0


# ----------------------------------------------------------------------------- one run

@dataclass
class Result:
    store: str
    students: int
    joined: int
    seconds: float
    posts: int
    expected: float
    board_gaps: list[float]
    stale: list[float]
    lost: int
    doubled: int
    finals_missing: int
    db_bytes: int
    upd: float
    cpu: float
    client_cpu: float
    errors: list[str]
    runs: int
    steps: int                    # steps of a run (its status line's total)
    completed: int                # runs that completed in the tabs


async def session(url: str, store: Store, code: str, key: str, students: int, seconds: float, epochs: int,
                  pids: list[int], sqlite_path: Path | None, routes: list[str | None]) -> Result:
    for route in routes:                                            # imports on every replica
        warm = Tab(url, PAGE, route=route)
        await warm.open(OPEN_TIMEOUT)
        await warm.close()
    with store.engine.connect() as conn:
        class_id = conn.execute(select(ClassRow.id).where(ClassRow.code == normalise_code(code))).scalar()
    if class_id is None:
        raise RuntimeError(f"class {code} not in the store")
    lecturer = Tab(url, "class", f"class={code}&key={key}")
    await lecturer.open(OPEN_TIMEOUT)
    query = f"class={code}&epochs={epochs}"
    tabs = [Student(Tab(url, PAGE, query), f"s{i + 1:02d}") for i in range(students)]
    await asyncio.gather(*(guarded(s.tab, join(s)) for s in tabs))
    joined = [s for s in tabs if s.tab.alive and not s.tab.stats.errors]
    reader = StoreReader(store, class_id)
    thread = threading.Thread(target=reader.run, daemon=True)
    thread.start()
    stop = asyncio.Event()
    loops = [asyncio.create_task(guarded(s.tab, keep_training(s, stop))) for s in joined]
    await asyncio.sleep(SETTLE)
    t0, w0, c0, s0 = time.monotonic(), time.time(), time.process_time(), cpu_seconds(pids)
    await asyncio.sleep(seconds)
    t1, w1, c1, s1 = time.monotonic(), time.time(), time.process_time(), cpu_seconds(pids)
    training = sum(_training_share(s.tab, t0, t1) for s in joined)   # tabs training, on average
    stop.set()
    await asyncio.gather(*loops)
    await asyncio.sleep(GRACE)                                      # the runs in progress post on
    reader.stop()
    thread.join(timeout=10)
    # What the store has, per student, against what each tab trained.
    with store.engine.connect() as conn:
        finals = func.sum(case((Run.final, 1), else_=0))
        rows = conn.execute(select(StudentRow.nickname, func.count(Run.id), finals)
                            .join(Run, Run.student_id == StudentRow.id, isouter=True)
                            .where(StudentRow.class_id == class_id).group_by(StudentRow.nickname)).all()
        created = sorted(c for (c,) in conn.execute(select(Run.created).where(Run.class_id == class_id,
                                                                                Run.page == EXP)))
    stored = {n: (int(c), int(f or 0)) for n, c, f in rows}
    lost = doubled = finals_missing = 0
    for s in joined:
        made, done = s.trained()
        have, final = stored.get(s.nickname, (0, 0))
        lost += max(0, made - have)
        doubled += max(0, have - made)
        finals_missing += max(0, done - final)
    size = db_bytes(store, sqlite_path)
    # The board: redraws (its "Students" metric arriving) and when it counted each new run.
    shown = [(m, w, v) for m, w, label, v in lecturer.stats.metrics if label == "Students"]
    gaps = [b[0] - a[0] for a, b in zip(shown, shown[1:], strict=False) if t0 <= a[0] <= t1]
    counts = [(w, int(v.replace(",", ""))) for _m, w, label, v in lecturer.stats.metrics
              if label == "Runs on this page" and v.replace(",", "").isdigit()]
    stale = []
    for n, c in enumerate(created, 1):
        if w0 <= c <= w1:
            when = next((w for w, k in counts if k >= n), None)
            stale.append(float("inf") if when is None else max(0.0, when - c))
    await asyncio.gather(*(s.tab.close() for s in tabs), lecturer.close())
    window = t1 - t0
    posts = sum(1 for _r, u in reader.posts if w0 <= u <= w1)
    errors = [f"{s.nickname}: {e}" for s in tabs for e in s.tab.stats.errors]
    errors += [f"lecturer: {e}" for e in lecturer.stats.errors]
    if reader.error is not None:
        errors.append(f"reading the store: {reader.error!r}")
    upd = statistics.median(sum(t0 <= u <= t1 for u in s.tab.stats.updates) / window for s in joined)
    return Result(store="", students=students, joined=len(joined), seconds=window, posts=posts,
                  expected=training / POST_EVERY, board_gaps=gaps, stale=stale, lost=lost, doubled=doubled,
                  finals_missing=finals_missing, db_bytes=size, upd=upd, cpu=(s1 - s0) / window,
                  client_cpu=(c1 - c0) / window, errors=errors, runs=len(created),
                  steps=max((n for s in joined for _w, _s, n in s.tab.stats.steps), default=0),
                  completed=sum(s.trained()[1] for s in joined))


# ----------------------------------------------------------------------------- stores

@contextmanager
def sqlite_store(tmp: Path) -> Iterator[tuple[dict[str, str], Path | None]]:
    path = tmp / "classes.sqlite3"
    yield {"RNNX_CLASS_DB": str(path)}, path


@contextmanager
def postgres_store(tmp: Path) -> Iterator[tuple[dict[str, str], Path | None]]:
    where = pgcluster.binaries()
    if where is None:
        raise RuntimeError("no PostgreSQL binaries under /usr/lib/postgresql/*/bin")
    with pgcluster.cluster(where) as pg:
        yield {"RNNX_DATABASE_URL": pg.database("classbench")}, None


def run_one(kind: str, students: int, seconds: float, epochs: int) -> Result:
    with tempfile.TemporaryDirectory(prefix="rnnx-classboard-") as tmp_name:
        tmp = Path(tmp_name)
        opener = sqlite_store if kind == "sqlite" else postgres_store
        with opener(tmp) as (env, sqlite_path):
            saved = {k: os.environ.get(k) for k in ("RNNX_CLASS_DB", "RNNX_DATABASE_URL")}
            os.environ.pop("RNNX_DATABASE_URL", None)
            os.environ.update(env)                                   # serve.sh passes them to the replicas
            try:
                url = env.get("RNNX_DATABASE_URL") or sqlite_url(Path(env["RNNX_CLASS_DB"]))
                with Store(url) as store:
                    code, key = store.create_class()
                    srv = Cluster(2, tmp)
                    try:
                        routes = replica_routes(srv.url, 2)
                        r = asyncio.run(session(srv.url, store, code, key, students, seconds, epochs,
                                                srv.pids(), sqlite_path, routes))
                    finally:
                        srv.stop()
            finally:
                for k, v in saved.items():
                    if v is None:
                        os.environ.pop(k, None)
                    else:
                        os.environ[k] = v
    r.store = kind
    return r


# ----------------------------------------------------------------------------- table

HEADER = (f"{'store':<10} {'students':>8} {'posts/s':>7} {'pace':>8} {'board p50':>9} {'p95':>5} "
          f"{'stale p50':>9} {'p95':>5} {'lost':>4} {'doubled':>7} {'no final':>8} {'DB kB/student':>13} "
          f"{'upd/s':>5} {'server CPU':>10} {'client CPU':>10} {'errors':>6}")


def line(r: Result) -> str:
    return (f"{r.store:<10} {r.joined:>3}/{r.students:<4} {r.posts / r.seconds:>7.1f} {r.expected:>8.1f} "
            f"{pct(r.board_gaps, 50):>9.2f} {pct(r.board_gaps, 95):>5.2f} {pct(r.stale, 50):>9.2f} "
            f"{pct(r.stale, 95):>5.2f} {r.lost:>4} {r.doubled:>7} {r.finals_missing:>8} "
            f"{r.db_bytes / 1024 / max(1, r.joined):>13.1f} {r.upd:>5.2f} {100 * r.cpu:>9.0f}% "
            f"{100 * r.client_cpu:>9.0f}% {len(r.errors):>6}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seconds", type=float, default=60.0, help="length of the measured window")
    ap.add_argument("--students", type=int, default=60, help="emulated students")
    ap.add_argument("--epochs", type=int, default=10, help="epochs of a run (the sine page's knob)")
    ap.add_argument("--stores", default="sqlite,postgresql", help="sqlite, postgresql or both")
    args = ap.parse_args()
    print(f"{os.cpu_count()} cores; nginx + 2 replicas; {args.students} students on /{PAGE} and one board, "
          f"{args.seconds:.0f} s window\n{HEADER}", flush=True)
    for kind in args.stores.split(","):
        r = run_one(kind.strip(), args.students, args.seconds, args.epochs)
        print(line(r), flush=True)
        print(f"    runs in the store: {r.runs} ({r.steps} steps each), {r.completed} completed in the tabs; "
              f"board redraws in the window: {len(r.board_gaps)}; new runs timed for staleness: "
              f"{len(r.stale)}", flush=True)
        for e in sorted(set(r.errors))[:5]:
            print(f"    error: {e}")


if __name__ == "__main__":
    main()
