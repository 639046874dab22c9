"""Server-side cost of the live pages and of starting the app.  ``python bench/ui.py [--ticks 50]``

1. For each experiment page: open it headless (AppTest), press Train, run ``--ticks`` ticks and read
   the timings the live fragment records for each (ui/live.py): the training budget and the rest
   (figure building + st calls). Prints p50 / p95 of the non-training part and of the whole tick;
   the target is p50 ≤ 100 ms for the non-training part.
2. The time from ``streamlit run app.py`` to the first page served: /_stcore/health answers "ok"
   and the root page's HTML is served. The server is stopped at the end.
"""

from __future__ import annotations

import argparse
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

import streamlit.logger  # noqa: E402
from apptest import open_page, page_runs  # noqa: E402

from rnn_core.experiments import experiments  # noqa: E402
from ui.limits import limits  # noqa: E402

TARGET_MS = 100.0
COMPARE_TARGET_MS = 60.0          # draw p50 with three runs side by side
THREE = {"elman": "cell:rnn,lstm,gru", "abcde": "activation:tanh,sigmoid,relu"}   # else truncation
streamlit.logger.set_log_level("error")    # bare-mode warnings ("no runtime found") are expected here


def page_ticks(exp_id: str, ticks: int, compare: str | None = None) -> np.ndarray:
    """(ticks, 3) seconds: training, the rest (wall) and the rest (CPU), for ticks of a page that trains
    (``compare``: a spec of three runs trained in lockstep)."""
    query = {"epochs": str(limits(exp_id).epochs)}              # never finishes mid-bench
    at = open_page(exp_id, **query, **({"compare": compare} if compare else {}))
    at.button(key="train_toggle").click().run()
    for _ in range(ticks):
        at.run()
    if at.exception:
        raise RuntimeError(f"{exp_id}: {at.exception[0].value}")
    state = page_runs(at, exp_id)
    return np.array(list(state.timings)[-ticks:])


def startup_seconds() -> tuple[float, float]:
    """Seconds from launch to /_stcore/health "ok", and to the root page's HTML."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    base = f"http://127.0.0.1:{port}"
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
                             "--server.port", str(port), "--server.address", "127.0.0.1"],
                            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        health = _wait_for(f"{base}/_stcore/health", lambda body: body.strip() == b"ok", t0)
        page = _wait_for(f"{base}/", lambda body: b"<html" in body.lower(), t0)
        return health, page
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _wait_for(url: str, ok, t0: float, timeout: float = 60.0) -> float:
    while time.perf_counter() - t0 < timeout:
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200 and ok(r.read()):
                    return time.perf_counter() - t0
        except OSError:
            pass
        time.sleep(0.02)
    raise TimeoutError(f"{url} did not answer within {timeout:.0f} s")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--ticks", type=int, default=50)
    args = ap.parse_args()
    ready = experiments()
    head = ("draw p50", "draw p95", "CPU p50", "tick p50", "tick p95")
    print(f"ms over {args.ticks} ticks; draw = figures + st calls (wall), CPU = its thread CPU time, "
          "tick = training + draw")
    print(f"{'page':<16}" + "".join(f"{h:>10}" for h in head))
    worst = [0.0, 0.0]
    for i, compare in enumerate((False, True)):
        if compare:
            print("\ncompare mode, three runs in lockstep:")
        for p in ready:
            spec = THREE.get(p.id, "bptt_truncate:1,2,full") if compare else None
            t = page_ticks(p.id, args.ticks, spec) * 1000          # (ticks, 3): train, draw, draw CPU
            cols = (t[:, 1], t[:, 1], t[:, 2], t[:, :2].sum(axis=1), t[:, :2].sum(axis=1))
            vals = [np.percentile(c, q) for c, q in zip(cols, (50, 95, 50, 50, 95), strict=True)]
            worst[i] = max(worst[i], vals[0])
            print(f"{p.url_path:<16}" + "".join(f"{v:10.1f}" for v in vals) + (f"  {spec}" if spec else ""))
    health, page = startup_seconds()
    print(f"\nstartup: /_stcore/health ok after {health:.2f} s, root page served after {page:.2f} s")
    for w, target, what in ((worst[0], TARGET_MS, "one run"), (worst[1], COMPARE_TARGET_MS, "three runs")):
        verdict = "meets" if w <= target else "misses"
        print(f"{what}: worst non-training p50 {w:.1f} ms {verdict} the {target:.0f} ms target")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
