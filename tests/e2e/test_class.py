"""The class through the classroom deployment (`deploy/serve.sh 2`: nginx and two replicas sharing one
SQLite class store): a lecturer starts a class on the Class page, three students in their own browser
contexts (sessions spread over both replicas) join it from a link with a nickname and train, one of them
on a checkpoint with a prediction locked in; the lecturer's board shows the three students, their runs
and the prediction, each within LATENCY_MAX seconds of the store having it.

How the delay is measured: a thread of this test reads the store (the SQLite file, `Store.board`) every
POLL seconds and notes when each run and answer first appears (its `updated`, the time the replica
wrote it) and when the number of students grows (the poll's time); a script in the lecturer's page notes
(every POLL seconds, `Date.now()`, the same clock) when the board's "Students" and "Runs on this page"
metrics and the predictions chart of the checkpoint change. The n-th run to reach the store must be on
the board (the metric at n or more) within LATENCY_MAX seconds of its post; likewise the students and
the prediction.

Needs Debian's nginx and chromium (skipped without them, failed under CI=true; tests/e2e/test_deploy.py).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from bench.stclient import ROUTE_COOKIE, routes_by_replica
from classroom import Store
from classroom.db import sqlite_url

from . import appdom, server
from .test_deploy import START_TIMEOUT, _stop, _unavailable

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
REPLICAS = 2
LATENCY_MAX = 2.0                 # s from the store having a post to the lecturer's board showing it
POLL = 0.05                       # s between two looks at the store, and at the board
SETTLE_TIMEOUT_MS = 20_000        # for the board to show what the store has, at the end
PAGE, EXP, CHECKPOINT = "sine_wave", "sine", "sine-clip"
NICKNAMES = ("Ada", "Bo", "Cy")    # Cy opens the checkpoint
CHOICE = "both"                   # Cy's prediction (choice c)

# JS: from now on, every POLL s, note [Date.now() in s, students, runs on this page, predictions of the
# checkpoint] when it changed (null: not drawn). Kept in window.__board across the page's reruns.
RECORD_JS = """([every, cp]) => {
  if (window.__board) return;
  const rec = window.__board = [];
  const fresh = sel => { const all = [...document.querySelectorAll(sel)];
    return all.find(e => !e.closest("[data-stale='true']")) || null; };
  const metric = label => { for (const m of document.querySelectorAll("[data-testid='stMetric']")) {
      if (m.closest("[data-stale='true']")) continue;
      const l = m.querySelector("[data-testid='stMetricLabel']");
      if (l && l.innerText.trim() === label) {
        const v = m.querySelector("[data-testid='stMetricValue']").innerText.replace(/[^\\d]/g, '');
        return v === '' ? null : parseInt(v, 10); } }
    return null; };
  const predicted = () => { const el = fresh(`.st-key-board-cp-${cp} .js-plotly-plot`);
    const t = el && el.data && el.data.find(t => t.name === 'predicted');
    return t ? t.x.reduce((a, b) => a + b, 0) : null; };
  let last = '', beat = Date.now();
  window.__stalls = [];                       // [when, ms] the page's main thread was busy > 250 ms
  setInterval(() => {
    const t = Date.now();
    if (t - beat > every + 250) window.__stalls.push([t / 1000, t - beat]);
    beat = t;
    const v = [metric('Students'), metric('Runs on this page'), predicted()];
    const s = JSON.stringify(v);
    if (s !== last) { last = s; rec.push([Date.now() / 1000, ...v]); }
  }, every);
}"""


@dataclass(frozen=True)
class Cluster:
    url: str
    db: Path                      # the replicas' RNNX_CLASS_DB


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    """`bash deploy/serve.sh 2 PORT` on 127.0.0.1 with a class store of its own (RNNX_CLASS_DB)."""
    if not (shutil.which("nginx") or os.access("/usr/sbin/nginx", os.X_OK)):
        _unavailable("nginx is missing (apt-get install nginx)")
    top = tmp_path_factory.mktemp("class")
    run_dir, db = top / "serve", top / "classes.sqlite3"
    run_dir.mkdir()
    port = server.free_port()
    url = f"http://127.0.0.1:{port}"
    env = {**server.serve_env(run_dir), "RNNX_CLASS_DB": str(db)}
    env.pop("RNNX_DATABASE_URL", None)
    log = top / "serve.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(["bash", "deploy/serve.sh", str(REPLICAS), str(port)], cwd=ROOT, env=env,
                                stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        why = server.wait_healthy(proc, url, START_TIMEOUT)
        if why is not None:
            pytest.fail(f"serve.sh {why}:\n{log.read_text(errors='replace')[-3000:]}", pytrace=False)
        yield Cluster(url, db)
    finally:
        if proc.poll() is None:
            _stop(proc)


@dataclass
class StoreWatch:
    """Reads the class from the store every POLL s in a thread of its own: (time, students, runs of
    the page, answers of the checkpoint) at each change, and when each run and answer was written."""

    db: Path
    code: str
    key: str
    changes: list[tuple[float, int, int, int]] = field(default_factory=list)
    run_posted: dict[str, float] = field(default_factory=dict)      # run id → `updated` when first seen
    answer_posted: dict[int, float] = field(default_factory=dict)   # student → `updated` when first seen
    error: BaseException | None = None
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="store-watch", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
        if self.error is not None:
            raise AssertionError(f"reading the class store failed: {self.error!r}")

    def _run(self) -> None:
        try:
            with Store(sqlite_url(self.db), migrate=False, busy_timeout=5.0) as store:
                last = None
                while not self._stop.is_set():
                    board = store.board(self.code, key=self.key)
                    now = time.time()
                    runs = [r for r in board.runs if r.page == EXP]
                    answers = [a for a in board.answers if a.checkpoint_id == CHECKPOINT]
                    for r in runs:
                        self.run_posted.setdefault(r.run_id, min(r.updated, now))
                    for a in answers:
                        self.answer_posted.setdefault(a.student, min(a.updated, now))
                    seen = (now, board.students, len(runs), len(answers))
                    if seen[1:] != (last[1:] if last else None):
                        self.changes.append(seen)
                        last = seen
                    self._stop.wait(POLL)
        except BaseException as e:  # noqa: BLE001 -- reported by stop()
            self.error = e

    def now(self) -> tuple[int, int, int]:
        """The last (students, runs, answers) seen."""
        return self.changes[-1][1:] if self.changes else (0, 0, 0)


def _shown(board: list[list[Any]], col: int, n: int) -> float | None:
    """When the board first showed n or more in column col (1 students, 2 runs, 3 predictions)."""
    return next((row[0] for row in board if row[col] is not None and row[col] >= n), None)


def _delays(watch: StoreWatch, board: list[list[Any]]) -> dict[str, list[float]]:
    """Seconds from each post reaching the store to the board showing it, by kind."""
    out: dict[str, list[float]] = {"students": [], "runs": [], "predictions": []}
    joined = [next(t for t, s, _r, _a in watch.changes if s >= n) for n in range(1, watch.now()[0] + 1)]
    for kind, col, posted in (("students", 1, joined), ("runs", 2, sorted(watch.run_posted.values())),
                              ("predictions", 3, sorted(watch.answer_posted.values()))):
        for n, t in enumerate(posted, 1):
            shown = _shown(board, col, n)
            out[kind].append(float("inf") if shown is None else max(0.0, shown - t))
    return out


def _settle(lecturer: Any, watch: StoreWatch, ready: Any, shows: int = 3) -> None:
    """Wait until the store's (students, runs, answers) meet ``ready`` and the board shows the same (the
    first ``shows`` of them)."""
    deadline = time.monotonic() + SETTLE_TIMEOUT_MS / 1000
    while True:
        now = watch.now()
        shown = lecturer.evaluate("() => window.__board[window.__board.length - 1] || null")
        if ready(*now) and shown is not None and tuple(shown[1:1 + shows]) == now[:shows]:
            return
        if time.monotonic() > deadline or watch.error is not None:
            board = lecturer.evaluate("() => window.__board")
            raise AssertionError(f"the board shows {shown and shown[1:]} (students, runs, predictions); the "
                                 f"store has {now}\nstore: {watch.changes}\nboard: {board}")
        lecturer.wait_for_timeout(POLL * 1000)


def _longest_gap(board: list[list[Any]]) -> float:
    """The longest time the predictions chart did not show a prediction after it first did."""
    since, longest = None, 0.0
    shown_once = False
    for t, *_rest, predicted in board:
        ok = predicted is not None and predicted >= 1
        shown_once = shown_once or ok
        if shown_once and not ok and since is None:
            since = t
        elif ok and since is not None:
            longest, since = max(longest, t - since), None
    return longest


def _join(page: Any, url: str, nickname: str) -> None:
    """Open the link, give the nickname in the sidebar, Join: the sidebar then says the class."""
    appdom.open_app(page, url)
    appdom.expect(page.locator(".st-key-class_join_side")).to_contain_text("Join class")
    box = page.locator(".st-key-class_nick_side input")
    assert box.get_attribute("placeholder") == "a name the lecturer will know"
    box.fill(nickname)
    appdom.button(page, "class_join_btn_side").click()
    appdom.expect(page.locator(".st-key-class_status")).to_contain_text(nickname)
    appdom.wait_for_app(page)


def _train(page: Any) -> None:
    appdom.button(page, "train_toggle").click()
    appdom.wait_step(page, ">", 0)


def test_students_runs_and_prediction_reach_the_lecturers_board(cluster: Cluster, browser: Any) -> None:
    t_start = time.monotonic()
    routes = list(routes_by_replica(cluster.url, REPLICAS).values())
    contexts: list[Any] = []

    def new_page(route: str) -> Any:
        ctx = browser.new_context(viewport=appdom.VIEWPORT)
        ctx.set_default_timeout(appdom.LOAD_TIMEOUT_MS)
        ctx.add_cookies([{"name": ROUTE_COOKIE, "value": route, "url": cluster.url}])
        contexts.append(ctx)
        return ctx.new_page()

    watch: StoreWatch | None = None
    try:
        # The lecturer (replica 1): Start a class; the URL then holds the code and the key.
        lecturer = new_page(routes[0])
        appdom.open_app(lecturer, f"{cluster.url}/class")
        appdom.button(lecturer, "class_create").click()
        lecturer.wait_for_url(re.compile(r"[?&]key="))
        appdom.wait_for_app(lecturer)
        query = parse_qs(urlsplit(lecturer.url).query)
        code, key = query["class"][0], query["key"][0]
        appdom.expect(lecturer.locator(".class-code")).to_have_text(code)
        lecturer.evaluate(RECORD_JS, [int(POLL * 1000), CHECKPOINT])
        watch = StoreWatch(cluster.db, code, key)
        watch.start()

        # Ada and Bo on the page (replicas 2 and 1): they join and train; the board shows them.
        students = [new_page(routes[(i + 1) % REPLICAS]) for i in range(len(NICKNAMES))]
        for page, name in zip(students[:2], NICKNAMES[:2], strict=True):
            _join(page, f"{cluster.url}/{PAGE}?class={code}", name)
            _train(page)
        _settle(lecturer, watch, lambda s, r, a: s == 2 and r == 2)
        # Cy on the page's checkpoint (replica 2): joins, locks a prediction in (posted at once), trains.
        cy = students[2]
        _join(cy, f"{cluster.url}/{PAGE}?class={code}&checkpoint={CHECKPOINT}", NICKNAMES[2])
        card = cy.locator(".st-key-checkpoint")
        card.get_by_text(CHOICE, exact=True).click()
        appdom.expect(appdom.button(cy, "cp_lock")).to_be_enabled()
        appdom.button(cy, "cp_lock").click()
        appdom.expect(card).to_contain_text("Your prediction:")
        _settle(lecturer, watch, lambda s, r, a: s == 3 and a == 1)
        _train(cy)                                           # the checkpoint compares two runs
        _settle(lecturer, watch, lambda s, r, a: r == 4, shows=2)
        watch.stop()
        board = lecturer.evaluate("() => window.__board")
        delays = _delays(watch, board)
        worst = {k: max(v) for k, v in delays.items()}
        print("\nstore → board (s): " + "; ".join(f"{k} " + ", ".join(f"{d:.2f}" for d in v)
                                                 for k, v in delays.items())
              + f"; test so far {time.monotonic() - t_start:.1f} s")
        assert all(d <= LATENCY_MAX for d in worst.values()), (
            f"the board showed a post more than {LATENCY_MAX} s after the store had it: {delays}\n"
            f"posted: {sorted(watch.run_posted.values())}\nstore: {watch.changes}\nboard: {board}\n"
            f"main thread stalls: {lecturer.evaluate('() => window.__stalls')}")
        for page in (lecturer, *students):
            appdom.assert_no_exception(page)
        # The prediction stays on the board: its chart, made anew when the layout above it changes (the
        # parallel coordinates once two finished runs vary two knobs), shows it again within LATENCY_MAX.
        lecturer.wait_for_function("() => (window.__board.at(-1) || [])[3] >= 1", timeout=30_000)
        gap = _longest_gap(lecturer.evaluate("() => window.__board"))
        print(f"predictions chart: longest time without the prediction once shown {gap:.1f} s; "
              f"test {time.monotonic() - t_start:.1f} s")
        assert gap <= LATENCY_MAX, (f"the predictions chart showed nothing for {gap:.1f} s: a chart the "
                                    "board made anew waited for a whole figure (ui/board.py, _draw)")
    except BaseException:
        for i, ctx in enumerate(contexts):
            for pg in ctx.pages:
                try:
                    appdom.screenshot(pg, f"test_class-failed-{i}")
                except Exception as e:  # noqa: BLE001 -- a missing picture must not hide the failure
                    print(f"no failure screenshot: {e}")
        raise
    finally:
        if watch is not None:
            watch._stop.set()
        for ctx in contexts:
            ctx.close()
