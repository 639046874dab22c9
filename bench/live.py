"""What one live tab costs and gets, one tab at a time on one server process (bench/stclient.py).

    python bench/live.py [--seconds 15] [--only PAGE ...] [--speed [--repeat 3]]

Table 1, per page (and a 3-run comparison): the websocket bytes of an update (median, p90, the first
tick excluded: first paint may be larger; "wire": as they crossed the network, after the websocket's
compression), updates per second, and the server's CPU per update.
Target: median ≤ 20 kB.
Table 2 (--speed), the heavy runs: the steps per second a lone tab's run actually advances (its step
counter over the window) against the same run headless (`python -m rnn_core train` / `compare`, the
same settings, on this machine, measured in the same go), ``--repeat`` pairs of them one after the
other: the medians and the range of the ratios (this shared machine's speed wanders by 10-20 % from
minute to minute). Target: live ≥ 70 % of headless.
Loopback only; bounded in time; stops by itself.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.classroom import Plain  # noqa: E402
from bench.stclient import Tab  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
PAGES = [("sine_wave", ""), ("elman", ""), ("dinosaur_names", ""), ("next_letter", ""), ("xsinx", ""),
         ("memory", ""), ("memory", "compare=cell:rnn,lstm,gru&seed=2"),
         ("sine_wave", "compare=activation:sigmoid,tanh"), ("sine_wave", "box_open=true")]
SLOW = "speed=slow"              # table 1: every run outlasts the window (a short run is spread over 60 s)
HEAVY = [  # (page, query, CLI arguments of the same run)
    ("memory", "cell=lstm", ["train", "memory", "--set", "cell=lstm"]),
    ("memory", "compare=cell:rnn,lstm,gru&seed=2", ["compare", "memory", "--vary", "cell=rnn,lstm,gru",
                                                  "--seed", "2"]),
    ("dinosaur_names", "hidden_size=256", ["train", "dinos", "--set", "hidden_size=256"]),
    ("dinosaur_names", "hidden_size=256&speed=max", ["train", "dinos", "--set", "hidden_size=256"]),
]                                # (7 s headless: "normal" speed spreads a run over 10 s at least)


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def one_tab(url: str, page: str, query: str, seconds: float, pid: int) -> dict[str, float]:
    tab = Tab(url, page, query)
    await tab.open(120.0)
    await tab.press("train_toggle", 120.0)
    await asyncio.sleep(2.0)                                     # past the first ticks
    n0, b0, c0, t0 = len(tab.stats.updates), len(tab.stats.bytes), cpu_seconds(pid), time.monotonic()
    s0 = tab.stats.steps[-1][1] if tab.stats.steps else 0
    await asyncio.sleep(seconds)
    n1, c1, t1 = len(tab.stats.updates), cpu_seconds(pid), time.monotonic()
    s1 = tab.stats.steps[-1][1] if tab.stats.steps else 0
    ended = [t for t, step, total in tab.stats.steps if t >= t0 and step >= total > 0]
    t_run = min(ended[0], t1) if ended else t1                  # a run that ended inside the window
    sizes, wire = sorted(tab.stats.bytes[b0:]), sorted(tab.stats.wire[b0:])
    await tab.close()
    ups = max(n1 - n0, 1)
    return {"median kB": statistics.median(sizes) / 1e3 if sizes else float("nan"),
            "p90 kB": sizes[int(0.9 * (len(sizes) - 1))] / 1e3 if sizes else float("nan"),
            "wire kB": statistics.median(wire) / 1e3 if wire else float("nan"),
            "upd/s": (n1 - n0) / (t1 - t0), "CPU ms/upd": 1e3 * (c1 - c0) / ups,
            "steps/s": (s1 - s0) / (t_run - t0) if t_run > t0 else float("nan"),
            "errors": len(tab.stats.errors)}


def headless_rate(args: list[str]) -> float:
    """Steps per second of the same run headless: its steps over its training seconds (--json)."""
    import json
    out = subprocess.run([sys.executable, "-m", "rnn_core", *args, "--json"], cwd=ROOT,
                         capture_output=True, text=True, timeout=900, check=True)
    rows = [json.loads(line) for line in out.stdout.strip().splitlines()]
    steps = sum(r["steps"] for r in rows) / len(rows)
    seconds = max(r["seconds"] for r in rows) if len(rows) == 1 else sum(r["seconds"] for r in rows)
    return steps / seconds


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=15.0)
    ap.add_argument("--only", nargs="*", default=None)
    ap.add_argument("--speed", action="store_true", help="table 2: live against headless steps/s")
    ap.add_argument("--repeat", type=int, default=3, help="table 2: live / headless pairs per run")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        srv = Plain(Path(tmp))
        try:
            print(f"one tab at a time, {args.seconds:.0f} s each; load average {os.getloadavg()[0]:.2f}")
            print(f"{'page':<48} {'median kB':>9} {'p90 kB':>7} {'wire kB':>7} {'upd/s':>6} "
                  f"{'CPU ms/upd':>10} {'errors':>6}")
            for page, query in PAGES:
                if args.only and page not in args.only:
                    continue
                r = asyncio.run(one_tab(srv.url, page, "&".join(filter(None, (query, SLOW))), args.seconds,
                                        srv.pids()[0]))
                name = page + (f"?{query}" if query else "")
                print(f"{name[:48]:<48} {r['median kB']:9.1f} {r['p90 kB']:7.1f} {r['wire kB']:7.1f} "
                      f"{r['upd/s']:6.2f} "
                      f"{r['CPU ms/upd']:10.1f} {r['errors']:6d}", flush=True)
            if args.speed:
                speed(srv, args.seconds, args.repeat)
        finally:
            srv.stop()


def speed(srv: Plain, seconds: float, repeat: int) -> None:
    print(f"\n{'heavy run':<48} {'live steps/s':>12} {'headless':>9} {'live/headless':>13} {'range':>11}")
    for page, query, cli in HEAVY:
        pairs = []
        for _ in range(repeat):
            live = asyncio.run(one_tab(srv.url, page, query, seconds, srv.pids()[0]))["steps/s"]
            pairs.append((live, headless_rate(cli)))
        ratios = sorted(100 * live / head for live, head in pairs)
        print(f"{page + '?' + query:<48} {statistics.median(p[0] for p in pairs):12.1f} "
              f"{statistics.median(p[1] for p in pairs):9.1f} {statistics.median(ratios):12.0f} % "
              f"{ratios[0]:5.0f}-{ratios[-1]:.0f} %", flush=True)


if __name__ == "__main__":
    main()
