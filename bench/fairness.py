"""One student cannot freeze the class: two emulated tabs (bench/stclient.py) on one server process.

    python bench/fairness.py [--seconds 40]

Tab A opens /memory?epochs=2000 and trains. Tab B then opens the heaviest setup the sliders allow
(memory, lag 200, 256 units, batches of 256, float64, a comparison of RNN, LSTM and GRU) and presses
Train. The table gives A's redraws per second and its longest gap between two redraws from B's
arrival on (opening the page included), and what B's page said. Target: A keeps ≥ 1 redraw/s and no
gap over 2 s, and B says why. Loopback only; bounded in time; stops by itself.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.classroom import Plain  # noqa: E402
from bench.stclient import Tab  # noqa: E402

HEAVY = ("lag=200&hidden_size=256&batch_size=256&dtype=float64&compare=cell:rnn,lstm,gru")
OPEN_TIMEOUT = 120.0


async def scenario(url: str, seconds: float) -> dict[str, object]:
    a = Tab(url, "memory", "epochs=2000")
    await a.open(OPEN_TIMEOUT)
    await a.press("train_toggle", OPEN_TIMEOUT)
    await asyncio.sleep(3.0)                                   # A is ticking
    b = Tab(url, "memory", HEAVY)
    start = time.monotonic()                                   # the window: from B's arrival on
    await b.open(OPEN_TIMEOUT)
    opened = time.monotonic() - start
    try:
        await b.press("train_toggle", OPEN_TIMEOUT)           # there may be no Train button: refused
    except RuntimeError:
        pass
    await asyncio.sleep(max(0.0, seconds - (time.monotonic() - start)))
    end = time.monotonic()
    seen = [start, *(t for t in a.stats.updates if start <= t <= end), end]   # a gap at either end counts
    gaps = [b2 - b1 for b1, b2 in zip(seen, seen[1:], strict=False)]
    said = b.stats.errors[-1] if b.stats.errors else "(no message)"
    await a.close()
    await b.close()
    return {"A upd/s": (len(seen) - 2) / (end - start), "A max gap s": max(gaps, default=float("inf")),
            "B opened s": opened, "B said": said, "A errors": len(a.stats.errors)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=40.0)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        srv = Plain(Path(tmp))
        try:
            out = asyncio.run(scenario(srv.url, args.seconds))
        finally:
            srv.stop()
    print(f"2 tabs on one process, {args.seconds:.0f} s window; load average {os.getloadavg()[0]:.2f}")
    print(f"{'A upd/s':>8} {'A max gap s':>12} {'A errors':>9} {'B opened s':>11}  B said")
    print(f"{out['A upd/s']:8.2f} {out['A max gap s']:12.2f} {out['A errors']:9d} {out['B opened s']:11.1f}  "
          f"{str(out['B said'])[:160]}")
    ok = out["A upd/s"] >= 1.0 and out["A max gap s"] <= 2.0
    print("target (A ≥ 1 upd/s, no gap over 2 s): " + ("met" if ok else "missed"))


if __name__ == "__main__":
    main()
