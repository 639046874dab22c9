"""The cost model of one update and one evaluation (rnn_core/cost.py) against measured times.

    python bench/cost.py

For a grid of setups from light to the heaviest the sliders allow, prints the estimated and the
measured seconds of one update (Trainer.train_step: forward, backward, clipping, optimizer) and of one
evaluation (Task.evaluate), and their ratio. A live page refuses a setup whose estimate is over its
budget (ui/live.py), so the estimate should not be far below the measurement.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from rnn_core import cost  # noqa: E402
from rnn_core.experiments import get_experiment  # noqa: E402
from rnn_core.threads import single_thread  # noqa: E402
from rnn_core.trainer import Trainer  # noqa: E402

SETUPS = [   # (experiment, settings)
    ("memory", {}),
    ("memory", {"cell": "lstm", "backend": "torch"}),
    ("memory", {"cell": "gru", "backend": "torch", "hidden_size": 128, "lag": 100}),
    ("memory", {"hidden_size": 256, "lag": 200, "batch_size": 256, "dtype": "float64"}),
    ("memory", {"cell": "gru", "backend": "torch", "hidden_size": 256, "lag": 200, "batch_size": 64,
                "dtype": "float64"}),
    ("memory", {"cell": "lstm", "backend": "torch", "hidden_size": 256, "lag": 200, "batch_size": 16}),
    ("sine", {"hidden_size": 256, "batch_size": 100}),
    ("dinos", {"hidden_size": 256, "batch_size": 256}),
    ("xsinx", {"hidden_size": 256}),
]


def best(f, reps: int = 3) -> float:
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        f()
        times.append(time.perf_counter() - t0)
    return min(times)


def row(exp_id: str, changes: dict) -> str:
    exp = get_experiment(exp_id)
    run = exp.settle(exp.preset(), changes, pinned=changes)[0]
    tr = Trainer(exp.make_task(run), run)
    est = cost.estimate(run, tr.task.max_len, tr.task.eval_sequences)
    with single_thread():
        tr.train_step()                                           # warm up (torch's first call)
        upd = best(tr.train_step)
        ev = best(lambda: tr.task.evaluate(tr.model, np.random.default_rng(0)))
    what = ", ".join(f"{k}={v}" for k, v in changes.items()) or "default"
    return (f"{exp_id:<7} {what[:62]:<62} {est.update:9.3f} {upd:9.3f} {upd / est.update:6.2f} "
            f"{est.evaluate:9.3f} {ev:9.3f} {ev / est.evaluate:6.2f}")


def main() -> None:
    print(f"seconds; ratio = measured / estimated; load average {os.getloadavg()[0]:.2f}")
    print(f"{'page':<7} {'settings':<62} {'upd est':>9} {'upd real':>9} {'ratio':>6} "
          f"{'eval est':>9} {'eval real':>9} {'ratio':>6}")
    for exp_id, changes in SETUPS:
        print(row(exp_id, changes), flush=True)


if __name__ == "__main__":
    main()
