"""Time one training step's gradient: numpy backend vs torch.nn.RNN vs our TorchRNN, same CPU, same run.

    python bench/core.py [--seconds 6]

Every case: float32, input 1, output 1, regression, targets="last", full BPTT. The three contenders
run in alternating blocks (see ``medians``); the table shows medians in milliseconds and the ratios
to torch.nn.RNN (< 1 means faster than torch). The load average is printed: other processes on the
machine skew the numbers, torch's multi-threaded kernels most.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from rnn_core import ModelConfig, build_model  # noqa: E402

CASES = ((100, 50, 100), (32, 100, 256), (1, 50, 50))   # (batch, time, hidden)


def contenders(batch: int, time_: int, hidden: int, seed: int = 0) -> dict[str, Callable[[], object]]:
    """One zero-argument callable per implementation, each computing the loss and every gradient."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((batch, time_, 1)).astype(np.float32)          # (batch, time, 1)
    y = rng.standard_normal((batch, 1)).astype(np.float32)                 # (batch, 1)
    kw = dict(input_size=1, hidden_size=hidden, output_size=1, dtype="float32")
    ours_np = build_model(ModelConfig(**kw), seed=seed)
    ours_t = build_model(ModelConfig(**kw, backend="torch"), seed=seed)
    rnn, lin = torch.nn.RNN(1, hidden, batch_first=True), torch.nn.Linear(hidden, 1)
    params = [*rnn.parameters(), *lin.parameters()]

    def torch_nn() -> object:
        out, _ = rnn(torch.from_numpy(x))                                  # (batch, time, hidden)
        loss = torch.mean((lin(out[:, -1]) - torch.from_numpy(y)) ** 2)    # MSE on the last step
        return torch.autograd.grad(loss, params)

    return {"numpy": lambda: ours_np.loss_and_grads(x, y),
            "torch.nn": torch_nn,
            "TorchRNN": lambda: ours_t.loss_and_grads(x, y)}


def medians(fns: dict[str, Callable[[], object]], seconds: float, rounds: int = 5,
            min_reps: int = 5) -> dict[str, float]:
    """Median wall time of each callable, in seconds.

    Each contender runs in contiguous blocks (a pause, a warm-up, then timed calls), the blocks
    alternating over several rounds: alternating spreads drift in the machine's speed evenly, while
    blocks keep one library's idle-spinning BLAS / OpenMP threads from stealing cores from the next
    (call-by-call interleaving on a 2-core machine slowed torch up to 15×).
    """
    times: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(rounds):
        for name, fn in fns.items():
            time.sleep(0.2)                                                # let other thread pools go idle
            for _ in range(2):
                fn()
            start = time.perf_counter()
            reps = 0
            while reps < min_reps or time.perf_counter() - start < seconds / (rounds * len(fns)):
                t0 = time.perf_counter()
                fn()
                times[name].append(time.perf_counter() - t0)
                reps += 1
    return {name: statistics.median(ts) for name, ts in times.items()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=6.0, help="timed seconds per case, all contenders")
    args = ap.parse_args()
    print(f"numpy {np.__version__}, torch {torch.__version__} ({torch.get_num_threads()} threads); "
          "float32, regression, targets='last', full BPTT; median ms")
    head = (f"{'batch':>5} {'time':>5} {'hidden':>6} | {'numpy':>8} {'torch.nn':>8} {'TorchRNN':>8} | "
            f"{'numpy/torch.nn':>14} {'TorchRNN/torch.nn':>17}")
    print(head)
    print("-" * len(head))
    for b, t, h in CASES:
        m = medians(contenders(b, t, h), args.seconds)
        print(f"{b:>5} {t:>5} {h:>6} | {m['numpy'] * 1e3:>8.3f} {m['torch.nn'] * 1e3:>8.3f} "
              f"{m['TorchRNN'] * 1e3:>8.3f} | {m['numpy'] / m['torch.nn']:>14.2f} "
              f"{m['TorchRNN'] / m['torch.nn']:>17.2f}")
    print("load average (1, 5, 15 min): " + ", ".join(f"{v:.2f}" for v in os.getloadavg()))


if __name__ == "__main__":
    main()
