"""Where the server's time of one live tick goes, per page.  ``python bench/tick.py [--ticks 30]``

Each page is opened headless (AppTest), Train pressed, and ``--ticks`` runs of the page profiled
(cProfile) after a warm-up. The charts are sent as a live tick sends them (what changed since the
figure the browser holds, ui/liveplot.py), not whole as a full page run would. Per page, milliseconds
per tick (cumulative time of the named functions, so a part includes what it calls):

* train: ``live.tick`` (the training budget; the gate's share of a core decides it under load);
* figures: building the plotly figures (``ui.figures``, ``ui.dynfigs``, ``ui.comparefigs``, the
  panels' figure functions, plotly's own ``Figure`` and ``to_plotly_json``);
* wire: what a chart sends (``ui.plotwire``: the diff, typed arrays, JSON);
* elements: Streamlit's element calls (the status line, metrics, the chart components' protobufs);
* tick: the whole fragment body (train + draw), and ``run``: a whole page run in AppTest (sidebar
  included), for scale.

Not a test: a table to read. One thread, this machine's noise: compare rows of one go.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

import streamlit.logger  # noqa: E402
from apptest import open_page  # noqa: E402

import ui.layout as layout  # noqa: E402
import ui.liveplot as liveplot  # noqa: E402

PAGES = [("sine", {}), ("elman", {}), ("dinos", {}), ("abcde", {}), ("xsinx", {}), ("memory", {}),
         ("memory", {"compare": "cell:rnn,lstm,gru", "seed": "2"})]
PARTS = {
    "train": lambda f: f[2] == "tick" and f[0].endswith("ui/live.py"),
    "figures": lambda f: (f[2].endswith("_figure") or f[2] in ("titled", "loss_overlay", "metric_overlay",
                                                               "to_plotly_json", "make_figure"))
    and ("/ui/" in f[0] or "plotly" in f[0]),
    "wire": lambda f: f[0].endswith("ui/plotwire.py") and f[2] in ("diff", "dumps", "pack_figure"),
    "elements": lambda f: f[0].endswith("streamlit/delta_generator.py") and f[2] == "_enqueue",
    "tick": lambda f: f[2] == "_live" and f[0].endswith("ui/live.py"),
    "run": lambda f: f[2] == "experiment_page",
}


def as_tick() -> None:
    """Charts sent as a tick sends them: the browser holds the figure of the last run."""
    payload = liveplot.payload

    def patched(key: str, spec: dict) -> bytes:
        s = liveplot.session()
        held = s.charts.get(key)
        if held is not None:
            held.page_run = s.page_run
        return payload(key, spec)
    liveplot.payload = patched


PROFILE: list[cProfile.Profile] = []               # the one recording, while a page is measured
_page = layout.experiment_page


def profiled_page(exp_id: str) -> None:
    """The page, profiled in the script's own thread (cProfile sees only the thread that enables it)."""
    if not PROFILE:
        return _page(exp_id)
    PROFILE[0].enable()
    try:
        return _page(exp_id)
    finally:
        PROFILE[0].disable()


def profile(exp_id: str, query: dict[str, str], ticks: int) -> dict[str, float]:
    at = open_page(exp_id, speed="max", **query)
    at.button(key="train_toggle").click().run()
    for _ in range(3):
        at.run()
    prof = cProfile.Profile()
    PROFILE[:] = [prof]
    for _ in range(ticks):
        at.run()
    PROFILE.clear()
    stats = pstats.Stats(prof).stats  # type: ignore[attr-defined]
    out = {}
    for part, match in PARTS.items():
        # cumulative time of the outermost matching calls: a function whose caller also matches is inside
        total = 0.0
        for func, (_cc, _nc, _tt, ct, callers) in stats.items():
            if match(func) and not any(match(c) for c in callers):
                total += ct
        out[part] = 1e3 * total / ticks
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--ticks", type=int, default=30)
    args = ap.parse_args()
    streamlit.logger.get_logger("streamlit").setLevel("ERROR")
    as_tick()
    layout.experiment_page = profiled_page
    print(f"ms per tick, {args.ticks} ticks a page (cumulative, cProfile's overhead included)")
    print(f"{'page':<34}" + "".join(f"{p:>10}" for p in PARTS))
    for exp_id, query in PAGES:
        row = profile(exp_id, query, args.ticks)
        name = exp_id + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")
        print(f"{name:<34}" + "".join(f"{row[p]:>10.1f}" for p in PARTS), flush=True)


if __name__ == "__main__":
    main()
