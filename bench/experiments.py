"""Train every experiment to the end, both presets, over several seeds, and tabulate the outcome.

    python bench/experiments.py [--seeds 0-4] [--only ID] [--preset NAME] [--set key=value ...]

e.g. the memory task's gated cells at lag 50:
    python bench/experiments.py --only memory --preset default --seeds 0-2 \
        --set cell=gru          (brings backend=torch and lr=0.02, as the sidebar does)

Each run is ``cli.configure`` + ``cli.train`` (what ``python -m rnn_core train ID --json`` does).
The table shows, per experiment and preset, the median training wall time (``seconds``, evaluation
excluded) and CPU time of the whole run (``cpu s``, evaluation included: it is less sensitive to
other processes than wall time), the steps, the median steps per second, the number of runs that
stopped early (divergence), and each numeric metric's median and worst over the seeds (worst = the
largest, or the smallest for an accuracy). The load average is printed: a busy machine slows it all.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from rnn_core import cli  # noqa: E402
from rnn_core.experiments import experiment_ids, get_experiment  # noqa: E402

HIGHER_IS_BETTER = ("accuracy",)       # metric names containing these: worst = the smallest


def parse_seeds(text: str) -> list[int]:
    """ "0-4" → [0, 1, 2, 3, 4]; "1,3,7" → [1, 3, 7]; "2" → [2]."""
    seeds: list[int] = []
    for part in text.split(","):
        lo, sep, hi = part.partition("-")
        seeds += list(range(int(lo), int(hi) + 1)) if sep else [int(lo)]
    if not seeds:
        raise argparse.ArgumentTypeError(f"--seeds: got {text!r}, expected e.g. 0-4 or 1,3,7")
    return seeds


def run_one(exp_id: str, preset: str, seed: int, sets: list[str] | None = None) -> dict[str, Any]:
    """One full run (``sets``: ``key=value`` overrides as the CLI's --set); the CLI's result plus its
    CPU time."""
    run = cli.configure(exp_id, preset, sets, seed=seed)
    c0 = time.process_time()
    result = cli.train(exp_id, run, preset)
    result["cpu"] = time.process_time() - c0
    return result


def summarise(exp_id: str, preset: str, results: list[dict[str, Any]]) -> list[list[str]]:
    """Table rows for one experiment and preset: one row per numeric metric."""
    med = statistics.median
    seconds = [r["seconds"] for r in results]
    steps = [r["steps"] for r in results]
    rates = [r["steps"] / r["seconds"] for r in results if r["seconds"] > 0]
    stopped = sum(1 for r in results if r.get("stop_reason"))
    head = [exp_id, preset, f"{med(seconds):.2f}", f"{med(r['cpu'] for r in results):.2f}",
            f"{med(steps):.0f}", f"{med(rates):.0f}" if rates else "-", str(stopped)]
    rows = []
    for name in results[0]["metrics"]:
        vals = [r["metrics"][name] for r in results]
        if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in vals):
            continue                                   # e.g. sampled names
        worst = min(vals) if any(w in name for w in HIGHER_IS_BETTER) else max(vals)
        rows.append((head if not rows else [""] * len(head)) + [name, f"{med(vals):.4g}", f"{worst:.4g}"])
    return rows or [head + ["-", "-", "-"]]


def table(rows: list[list[str]], header: list[str]) -> str:
    """A markdown table with aligned columns (text left, numbers right)."""
    width = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    numeric = [all(_is_num(r[i]) for r in rows if r[i]) for i in range(len(header))]

    def line(cells: list[str]) -> str:
        return "| " + " | ".join(c.rjust(w) if n else c.ljust(w)
                                 for c, w, n in zip(cells, width, numeric, strict=True)) + " |"

    rule = "|" + "|".join("-" * (w + 1) + ":" if n else "-" * (w + 2)     # ---: right-aligns a column
                          for w, n in zip(width, numeric, strict=True)) + "|"
    return "\n".join([line(header), rule, *(line(r) for r in rows)])


def _is_num(s: str) -> bool:
    try:
        float(s)
    except ValueError:
        return False
    return True


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Benchmark every experiment, both presets, over seeds.")
    ap.add_argument("--seeds", type=parse_seeds, default=parse_seeds("0-4"), help="e.g. 0-4 or 1,3,7")
    ap.add_argument("--only", choices=experiment_ids(), help="one experiment id")
    ap.add_argument("--preset", help="one preset (default: each of the experiment's presets)")
    ap.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                    help="a knob's value for every run (repeatable), as the CLI's --set")
    args = ap.parse_args(argv)
    ids = [args.only] if args.only else experiment_ids()
    rows = []
    for exp_id in ids:
        presets = get_experiment(exp_id).presets
        if args.preset is not None and args.preset not in presets:
            continue                                   # e.g. --preset article: memory has none
        for preset in [args.preset] if args.preset else presets:
            results = [run_one(exp_id, preset, s, args.set) for s in args.seeds]
            rows += summarise(exp_id, preset, results)
            print(f"done: {exp_id} {preset}", file=sys.stderr, flush=True)
    header = ["experiment", "preset", "seconds", "cpu s", "steps", "steps/s", "stopped", "metric",
              "median", "worst"]
    print(f"seeds {','.join(map(str, args.seeds))}; " + "".join(f"--set {x}; " for x in args.set)
          + f"load average {os.getloadavg()[0]:.2f} at the end")
    print(table(rows, header))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
