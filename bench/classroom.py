"""A classroom on one machine: N emulated browser tabs (bench/stclient.py) open the app at once, press
Train and keep the live view ticking for ``--seconds`` (60), first on one ``streamlit run`` process, then
behind nginx with replicas (``deploy/serve.sh``).  ``python bench/classroom.py``  (a table, not a test)

Each tab opens one of the experiment pages (round robin) with the most epochs the page allows,
presses Train and answers the fragment timer as a browser does; a run that completes is started again
(Reset, Train), as a student would. Per row:

* upd/s min, med: updates (redraws of the live view that reached the tab, bench/stclient.py) per second
  of each tab over the window;
* p50, p95: redraw latency, timer rerun sent → the redraw of the run that answers it (unanswered:
  counted up to the end of the window plus 2 s);
* errors: failed joins, exceptions, error boxes, websockets closed by the server;
* open p95: seconds from the page load to its first run finished, all tabs joining at once;
* MB/tab idle / trained: server RSS (sum over replicas) after the tabs opened / after the window, minus
  the RSS before they joined (after a warm-up that opened every page once on every replica), per tab;
* CPU shut: server CPU (% of one core) from one tick (0.65 s) after every tab closed, over 3 s;
* split: tabs per replica (nginx's cookie hash); client CPU: this process's share of one core;
* kB/upd: median websocket bytes of an update over every tab's updates in the window; CPU ms/upd: the
  servers' CPU over the window per update that reached a tab.

The fair-share row puts one tab with the heaviest knobs (hidden size and batch size at their maximum,
torch LSTM, full BPTT, on the page with the longest sequences) among the others; its rate is shown apart.
The pages and the knob ranges are read from the running app (its navigation and its sliders).
Targets (2 cores, 30 tabs, 2 replicas): every tab ≥ 1.0 upd/s, p95 ≤ 1.5 s, no errors.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.stclient import Tab, routes_by_replica  # noqa: E402
from tests.e2e import server  # noqa: E402

UPD_MIN, P95_MAX = 1.0, 1.5                  # targets: updates/s of every tab, redraw latency p95 (s)
OPEN_TIMEOUT = 180.0                         # s for a tab's first run while the whole class joins
PRESS_TIMEOUT = 60.0
SETTLE = 5.0                                 # s of ticking before the window starts
GRACE = 2.0                                  # s after the window for the last reruns to be answered
AFTER_CLOSE = 0.65                           # one tick: RUN_EVERY + TICK_SECONDS (ui/live.py)
CPU_WINDOW = 3.0
START_TIMEOUT = 120.0
REACTION = 1.0                               # s a student takes to notice a complete run and restart it
HEAVY_KNOBS = "backend=torch&cell=lstm&bptt_truncate=full"   # plus hidden size and batch at their maximum


@dataclass(frozen=True)
class Row:
    sessions: int
    replicas: int                            # 0: one plain `streamlit run` process, no nginx
    heavy: bool = False

    @property
    def label(self) -> str:
        where = "1 process" if self.replicas == 0 else f"nginx + {self.replicas} replicas"
        return f"{self.sessions} tabs, {where}" + (", 1 heavy" if self.heavy else "")


ROWS = (Row(30, 0), Row(30, 2), Row(60, 2), Row(30, 2, heavy=True))


# ----------------------------------------------------------------------------- servers

class Plain:
    """One `streamlit run app.py` on a loopback port (the flags serve.sh gives its replicas)."""

    def __init__(self, logdir: Path) -> None:
        port = server.free_port()
        self.url = f"http://127.0.0.1:{port}"
        self.proc = server.start(port, logdir, extra=("--server.fileWatcherType", "none"))
        why = server.wait_healthy(self.proc, self.url, START_TIMEOUT)
        if why:
            raise RuntimeError(f"streamlit {why}")

    def pids(self) -> list[int]:
        return [self.proc.pid]

    def stop(self) -> None:
        server.stop(self.proc)


class Cluster:
    """`bash deploy/serve.sh REPLICAS PORT` on 127.0.0.1; its replicas' pids from RUN/replicas.txt."""

    def __init__(self, replicas: int, logdir: Path) -> None:
        port = server.free_port()
        self.url, self.run_dir = f"http://127.0.0.1:{port}", logdir / "serve"
        self.run_dir.mkdir()
        env = server.serve_env(self.run_dir)
        with open(logdir / "serve.log", "wb") as out:
            cmd = ["bash", "deploy/serve.sh", str(replicas), str(port)]
            self.proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
                                         start_new_session=True)
        why = server.wait_healthy(self.proc, self.url, START_TIMEOUT)
        if why:
            self.stop()
            raise RuntimeError(f"serve.sh {why}: {(logdir / 'serve.log').read_text()[-2000:]}")

    def pids(self) -> list[int]:
        lines = (self.run_dir / "replicas.txt").read_text().split("\n")
        return [int(f[1]) for f in (line.split() for line in lines) if len(f) == 3 and f[1].isdigit()]

    def stop(self) -> None:
        """SIGTERM to serve.sh (it stops nginx and the replicas); the whole group after 30 s."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)


def replica_routes(url: str, replicas: int) -> list[str | None]:
    """One sticky route per replica (warm-up reaches each); [None] without nginx."""
    return list(routes_by_replica(url, replicas).values()) if replicas else [None]


# ----------------------------------------------------------------------------- /proc

def rss_bytes(pids: list[int]) -> int:
    total = 0
    for pid in pids:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1]) * 1024
    return total


def cpu_seconds(pids: list[int]) -> float:
    """utime + stime of the processes (all their threads)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])
    return total / tick


# ----------------------------------------------------------------------------- tabs

@dataclass(frozen=True)
class Page:
    """An experiment page as the running app draws it: URL path and the ranges of its sliders."""

    path: str
    epochs_max: int
    batch_max: int
    hidden_max: int
    seq_len: int                          # BPTT truncation options minus "full": the longest sequence

    @property
    def query(self) -> str:
        """The most epochs the page allows, so a run lasts (a URL value out of range is ignored)."""
        return f"epochs={self.epochs_max}"

    @property
    def heavy_query(self) -> str:
        """The heaviest setup the page trains live: torch LSTM, full BPTT, the most hidden units, and the
        largest batch (halved from the slider's maximum) whose update the app's time budget accepts
        (``ui/live.py::afford``: a heavier one is refused before it trains)."""
        from rnn_core.experiments import experiments
        from ui.live import TooHeavy, afford
        exp = next(e for e in experiments() if e.url_path == self.path)
        batch = self.batch_max
        while batch > 1:
            run = exp.preset().replace(hidden_size=self.hidden_max, batch_size=batch, backend="torch",
                                       cell="lstm", bptt_truncate=None, epochs=self.epochs_max)
            try:
                afford([run], [exp.build_task(run)])
                break
            except TooHeavy:
                batch //= 2
        return f"hidden_size={self.hidden_max}&batch_size={batch}&{HEAVY_KNOBS}&{self.query}"


async def discover(url: str, route: str | None) -> list[Page]:
    """The app's experiment pages (from its navigation) and their slider ranges (from the deltas): the
    benchmark follows the app as it is, not a copy of its catalog."""
    home = Tab(url, "", route=route)
    await home.open(OPEN_TIMEOUT)
    await home.close()
    pages = []
    for path in (p for p in home.nav_pages if p):
        tab = Tab(url, path, route=route)
        await tab.open(OPEN_TIMEOUT)
        await tab.close()
        s = tab.sliders
        if "epochs" in s:                                        # an experiment page
            pages.append(Page(path, int(s["epochs"].max), int(s["batch_size"].max), int(s["hidden_size"].max),
                              len(s["bptt_truncate"].options) - 1))
    if not pages:
        raise RuntimeError(f"no experiment page among {home.nav_pages}")
    return pages


def make_tabs(url: str, row: Row, pages: list[Page]) -> list[Tab]:
    """Pages mixed, round robin; the heavy tab on the page with the longest sequences."""
    tabs = [Tab(url, p.path, p.query) for p in (pages[i % len(pages)] for i in range(row.sessions))]
    if row.heavy:
        longest = max(pages, key=lambda p: p.seq_len)
        tabs[0] = Tab(url, longest.path, longest.heavy_query)
        print(f"    heavy tab: /{longest.path}?{longest.heavy_query}")
    return tabs


async def warm_up(url: str, routes: list[str | None], pages: list[Page]) -> None:
    """Open every page once on every replica (imports, caches), so the RSS baseline has them."""
    for route in routes:
        for p in pages:
            tab = Tab(url, p.path, p.query, route=route)
            await tab.open(OPEN_TIMEOUT)
            await tab.close()


def check_knobs(tab: Tab) -> None:
    """A knob the URL asked for but the page does not show is an error (the app renamed it, or the value
    was out of range and ignored)."""
    asked = dict(kv.split("=", 1) for kv in tab.query.split("&") if "=" in kv)
    for key, slider in tab.sliders.items():
        if key in asked and asked[key].isdigit() and slider.value and int(slider.value[0]) != int(asked[key]):
            tab.stats.errors.append(f"knob {key}={asked[key]} not applied (shows {slider.value[0]:g})")


async def student(tab: Tab, stop: asyncio.Event, restarts: Counter[str]) -> None:
    """Keep the tab training: when its run completes, Reset and Train again."""
    stopped = asyncio.create_task(stop.wait())
    while not stop.is_set():
        idle = asyncio.create_task(tab.wait_idle())
        await asyncio.wait({idle, stopped}, return_when=asyncio.FIRST_COMPLETED)
        idle.cancel()
        if stop.is_set() or not tab.alive:
            break
        await asyncio.sleep(REACTION)
        await tab.press("reset", PRESS_TIMEOUT)
        await tab.press("train_toggle", PRESS_TIMEOUT)
        restarts[tab.page] += 1
    stopped.cancel()


async def guarded(tab: Tab, coro: Awaitable[object]) -> None:
    """Await ``coro``; a failure becomes an error of the tab, not of the benchmark."""
    try:
        await coro
    except Exception as e:  # noqa: BLE001 -- counted in the table
        tab.stats.errors.append(f"{type(e).__name__}: {e}")


# ----------------------------------------------------------------------------- one row

@dataclass
class Result:
    row: Row
    ups: list[float]                      # updates/s of each tab (the heavy one excluded)
    heavy_ups: float | None
    latencies: list[float]
    errors: list[str]
    opens: list[float]
    mb_idle: float
    mb_trained: float
    cpu_closed: float
    client_cpu: float
    split: Counter[str]
    restarts: int
    by_page: dict[str, float]             # median upd/s of the tabs of each page (the heavy one excluded)
    steps_by_page: dict[str, float]       # median training steps/s of the tabs of each page (the same)
    kb: float = float("nan")              # median websocket kB of an update, over every tab's updates
    cpu_ms: float = float("nan")          # server CPU (all replicas) per update that reached a tab, ms


async def classroom(url: str, pids: list[int], row: Row, seconds: float, routes: list[str | None]) -> Result:
    pages = await discover(url, routes[0])
    await warm_up(url, routes, pages)
    base = rss_bytes(pids)
    tabs = make_tabs(url, row, pages)
    await asyncio.gather(*(guarded(t, t.open(OPEN_TIMEOUT)) for t in tabs))
    for t in tabs:
        check_knobs(t)
    await asyncio.sleep(1.0)
    idle = rss_bytes(pids)
    live = [t for t in tabs if t.stats.opened is not None]
    await asyncio.gather(*(guarded(t, t.press("train_toggle", PRESS_TIMEOUT)) for t in live))
    stop, restarts = asyncio.Event(), Counter[str]()
    students = [asyncio.create_task(guarded(t, student(t, stop, restarts))) for t in live]
    await asyncio.sleep(SETTLE)
    t0, c0, s0 = time.monotonic(), time.process_time(), cpu_seconds(pids)
    marks = [len(t.stats.bytes) for t in tabs]
    await asyncio.sleep(seconds)
    t1, c1, s1 = time.monotonic(), time.process_time(), cpu_seconds(pids)
    sizes = [b for t, m in zip(tabs, marks, strict=True) for b in t.stats.bytes[m:]]
    await asyncio.sleep(GRACE)
    trained = rss_bytes(pids)
    stop.set()
    await asyncio.gather(*students)
    await asyncio.gather(*(t.close() for t in tabs))
    await asyncio.sleep(AFTER_CLOSE)
    cpu0 = cpu_seconds(pids)
    await asyncio.sleep(CPU_WINDOW)
    cpu_closed = (cpu_seconds(pids) - cpu0) / CPU_WINDOW
    client = (c1 - c0) / (t1 - t0)
    result = summarize(row, tabs, (t0, t1), (base, idle, trained), cpu_closed, client, restarts)
    updates = sum(t0 <= u <= t1 for t in tabs for u in t.stats.updates)
    result.kb = statistics.median(sizes) / 1e3 if sizes else float("nan")
    result.cpu_ms = 1e3 * (s1 - s0) / max(updates, 1)
    return result


def summarize(row: Row, tabs: list[Tab], window: tuple[float, float], rss: tuple[int, int, int],
              cpu_closed: float, client_cpu: float, restarts: Counter[str]) -> Result:
    t0, t1 = window
    rate = [sum(t0 <= u <= t1 for u in t.stats.updates) / (t1 - t0) for t in tabs]
    lat = [(r.answered if r.answered is not None else t1 + GRACE) - r.sent
           for t in tabs for r in t.stats.requests if t0 <= r.sent <= t1]
    errors = [f"/{t.page}: {e}" for t in tabs for e in t.stats.errors]
    n, mb = len(tabs), 1024 * 1024
    return Result(row=row, ups=rate[1:] if row.heavy else rate, heavy_ups=rate[0] if row.heavy else None,
                  latencies=lat, errors=errors, opens=[t.stats.opened for t in tabs if t.stats.opened],
                  mb_idle=(rss[1] - rss[0]) / n / mb, mb_trained=(rss[2] - rss[0]) / n / mb,
                  cpu_closed=cpu_closed, client_cpu=client_cpu,
                  split=Counter(t.stats.replica for t in tabs), restarts=sum(restarts.values()),
                  by_page=_by_page(tabs[1:] if row.heavy else tabs, rate[1:] if row.heavy else rate),
                  steps_by_page=_by_page(tabs[1:] if row.heavy else tabs,
                                         [_steps(t, t0, t1) for t in (tabs[1:] if row.heavy else tabs)]))


def _steps(tab: Tab, t0: float, t1: float) -> float:
    """Training steps a second the tab's runs made in the window (from the status lines; a restarted
    run's steps counted from its zero)."""
    seen = [step for t, step, _total in tab.stats.steps if t0 <= t <= t1]
    return sum(max(0, b - a) if b >= a else b for a, b in zip(seen, seen[1:], strict=False)) / (t1 - t0)


def _by_page(tabs: list[Tab], rates: list[float]) -> dict[str, float]:
    return {p: statistics.median(r for t, r in zip(tabs, rates, strict=True) if t.page == p)
            for p in sorted({t.page for t in tabs})}


def run_row(row: Row, seconds: float) -> Result:
    with tempfile.TemporaryDirectory(prefix="rnnx-classroom-") as tmp:
        srv: Plain | Cluster = Plain(Path(tmp)) if row.replicas == 0 else Cluster(row.replicas, Path(tmp))
        try:
            routes = replica_routes(srv.url, row.replicas)
            return asyncio.run(classroom(srv.url, srv.pids(), row, seconds, routes))
        finally:
            srv.stop()


# ----------------------------------------------------------------------------- table

def pct(xs: list[float], q: int) -> float:
    """The q-th percentile (NaN of nothing)."""
    if len(xs) < 2:
        return xs[0] if xs else float("nan")
    return statistics.quantiles(xs, n=100, method="inclusive")[q - 1]


HEADER = (f"{'run':<36} {'upd/s min':>9} {'med':>5} {'p50 s':>6} {'p95 s':>6} {'errors':>6} "
          f"{'open p95':>8} {'MB/tab idle':>11} {'trained':>7} {'CPU shut':>8} {'split':>9} {'restarts':>8} "
          f"{'client CPU':>10} {'kB/upd':>6} {'CPU ms/upd':>10}")


def line(r: Result) -> str:
    split = "/".join(str(v) for _, v in sorted(r.split.items())) if r.row.replicas else "-"
    text = (f"{r.row.label:<36} {min(r.ups):>9.2f} {statistics.median(r.ups):>5.2f} "
            f"{pct(r.latencies, 50):>6.2f} {pct(r.latencies, 95):>6.2f} {len(r.errors):>6} "
            f"{pct(r.opens, 95):>8.1f} {r.mb_idle:>11.1f} {r.mb_trained:>7.1f} {100 * r.cpu_closed:>7.1f}% "
            f"{split:>9} {r.restarts:>8} {100 * r.client_cpu:>9.0f}% {r.kb:>6.1f} {r.cpu_ms:>10.1f}")
    if r.heavy_ups is not None:
        text += f"   heavy tab: {r.heavy_ups:.2f} upd/s"
    return text


def verdict(r: Result) -> str:
    ok = min(r.ups) >= UPD_MIN and pct(r.latencies, 95) <= P95_MAX and not r.errors
    return "meets the targets" if ok else "misses the targets"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seconds", type=float, default=60.0, help="length of the measured window")
    rows = "; ".join(f"{i + 1} = {r.label}" for i, r in enumerate(ROWS))
    ap.add_argument("--rows", default=",".join(str(i + 1) for i in range(len(ROWS))),
                    help=f"which rows, 1-based: {rows}")
    ap.add_argument("--scale", type=float, default=1.0,
                    help="multiply the tab counts (try 0.2 while developing)")
    args = ap.parse_args()
    picked = [ROWS[int(i) - 1] for i in args.rows.split(",")]
    print(f"{os.cpu_count()} cores, {args.seconds:.0f} s window; targets: every tab ≥ {UPD_MIN} upd/s, "
          f"p95 ≤ {P95_MAX} s, 0 errors\n{HEADER}", flush=True)
    for row in picked:
        row = Row(max(2, round(row.sessions * args.scale)), row.replicas, row.heavy)
        r = run_row(row, args.seconds)
        print(f"{line(r)}   {verdict(r) if row.replicas else ''}", flush=True)
        print("    median upd/s by page: " + ", ".join(f"{p} {v:.2f}" for p, v in r.by_page.items()))
        print("    median training steps/s by page: " + ", ".join(f"{p} {v:.1f}"
                                                                for p, v in r.steps_by_page.items()))
        for e in sorted(set(r.errors))[:5]:
            print(f"    error: {e}")


if __name__ == "__main__":
    main()
