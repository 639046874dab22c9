"""The memory experiment's sweep: lag × cell over seeds, accuracy median / min, steps, training seconds.

    python bench/memory.py [--vary lag=5,10,20,50,100 --vary cell=rnn,lstm,gru] [--seeds 0-2]
                           [--set key=value ...] [--preset default|short] [--json] [--before-training]

Every run trains the preset to its end with one math thread (the Trainer's); lstm/gru run on the torch
backend and the GRU at lr 0.02 (the experiment's ``implies``). ``seconds`` is training time (evaluation
excluded), the median over the seeds; ``seconds_max`` the slowest seed. The load average is printed
before and after: a busy machine slows everything (run it under ``flock /tmp/rnnx-bench.lock``).
``--before-training``: no training; per combination and seed, the untrained model's grad_reach on the
held-out batch and the largest |eigenvalue| of W_hh (rnn) and of the mean step Jacobian, and its largest
singular value (``rnn_core.dynamics``).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from rnn_core import build_model, dynamics  # noqa: E402
from rnn_core.cliparse import parse_seeds, parse_sets, parse_vary  # noqa: E402
from rnn_core.experiments import memory  # noqa: E402
from rnn_core.export import plain  # noqa: E402
from rnn_core.sweep import Sweep, format_table  # noqa: E402

DEFAULT_VARY = ["lag=5,10,20,50,100", "cell=rnn,lstm,gru"]


def _top(a: np.ndarray) -> float:
    """The largest |value| (NaN for an empty array: W_hh of a gated cell is not square)."""
    return float(np.max(np.abs(a))) if a.size else math.nan


def before_training(sweep: Sweep) -> list[dict[str, Any]]:
    """One row per combination and seed: how far the untrained model's gradient reaches, and why."""
    rows = []
    for combo in sweep.combos:
        for seed in sweep.seeds:
            run = sweep.settings(combo, seed)
            task, model = memory.MEMORY.make_task(run), build_model(run.model, run.train.seed)
            curve = task.evaluate(model, np.random.default_rng(0)).predictions["grad_curve"]
            sp = dynamics.recurrent_spectrum(model, task.probe_x)
            rows.append({**combo, "seed": seed, "grad_reach": dynamics.grad_reach(curve),
                         "max_abs_eig_w_hh": _top(sp.w_hh_eigvals), "max_abs_eig_j": _top(sp.jac_eigvals),
                         "max_sv_j": _top(sp.jac_singvals)})
    return rows


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--vary", action="append", default=None, metavar="KNOB=V1,V2")
    ap.add_argument("--seeds", default="0-2")
    ap.add_argument("--set", dest="sets", action="append", default=[], metavar="KEY=VALUE")
    ap.add_argument("--preset", default="default", choices=memory.MEMORY.presets)
    ap.add_argument("--json", action="store_true", help="one JSON list of rows as the last line")
    ap.add_argument("--before-training", action="store_true", help="the untrained models' gradient reach")
    args = ap.parse_args(argv)
    vary = parse_vary(args.vary or DEFAULT_VARY, memory.MEMORY)
    fixed = parse_sets(memory.MEMORY, args.sets)
    if "lag" not in vary and "lag" not in fixed:
        fixed["lag"] = memory.MEMORY.preset_lag(args.preset)
    sweep = Sweep(memory.MEMORY, vary, parse_seeds(args.seeds), fixed=fixed, preset=args.preset)
    if args.before_training:
        print(format_table(before_training(sweep)))
        return 0
    print(f"load average before: {os.getloadavg()[0]:.2f}", flush=True)
    t0 = time.perf_counter()
    sweep.run_all(on_row=lambda r: print(json.dumps(plain(r)), file=sys.stderr, flush=True))
    print(format_table(sweep.rows))
    print(f"load average after: {os.getloadavg()[0]:.2f}; wall {time.perf_counter() - t0:.0f} s")
    if args.json:
        print(json.dumps(plain(sweep.rows)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
