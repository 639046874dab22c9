"""A live chart sends what changed, not the figure (ui/plotwire.py): after many ticks of appended points
the browser's loss curve is the run's history, point for point; and one tick of the sine page costs a
few kB on the websocket, not the 70-80 kB a whole-figure update cost."""

from __future__ import annotations

import asyncio
import csv
import io
import shutil
import statistics
import sys
import tempfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from . import server
from .appdom import CHART_JS, button, download_text, expect, open_app, press_slider, wait_step

pytestmark = pytest.mark.e2e
TICKS = 50                      # ticks of appended points before the curve is compared
CROWDED_POINTS = 12             # … crowded: training ticks (24 ticks: past a keyframe, the 20th message)
PAYLOAD_MAX = 30_000            # bytes of one tick of the sine page, after warm-up


@pytest.fixture(scope="module")
def crowded_server() -> Iterator[str]:
    """A server whose charts take turns from the first session (RNNX_CROWD=1: as if 12 sessions ticked)."""
    port = server.free_port()
    url = f"http://127.0.0.1:{port}"
    logdir = Path(tempfile.mkdtemp(prefix="e2e-crowded-"))
    proc = server.start(port, logdir, env={"RNNX_CROWD": "1"})
    try:
        assert server.wait_healthy(proc, url) is None, (logdir / "stderr.log").read_text()[-2000:]
        yield url
    finally:
        server.stop(proc)
        shutil.rmtree(logdir, ignore_errors=True)


@pytest.mark.parametrize("crowded", [False, True], ids=["alone", "crowded"])
def test_the_loss_curve_after_50_appended_ticks_is_the_runs_history(app_server: Any, page: Any, crowded: bool,
                                                                     request: pytest.FixtureRequest) -> None:
    """Alone every tick trains and redraws every chart; crowded, a tick in two trains and the one between
    tells every chart that nothing changed (ui/charts.py): no point is lost or doubled either way, and the
    pause's full run leaves the loss and the gradient norm equal to the run's history."""
    url = request.getfixturevalue("crowded_server") if crowded else app_server.url
    points = CROWDED_POINTS if crowded else TICKS            # crowded: it trains every other tick
    open_app(page, f"{url}/sine_wave?speed=slow")             # 120 ticks a run: outlasts 50
    press_slider(page, "epochs", "End")
    button(page, "train_toggle").click()
    expect(button(page, "train_toggle")).to_contain_text("Pause")
    first = wait_step(page, ">", 0)
    page.wait_for_function(f"""() => {{ const t = ({CHART_JS})('sine-loss');
        return t && t.length && t[0].n >= {points}; }}""", timeout=120_000)  # a point a training tick
    page.wait_for_function(f"""() => {{ const t = ({CHART_JS})('sine-grad-norm');
        return t && t.length && t[0].n >= {points // 2}; }}""", timeout=60_000)  # keeps up
    button(page, "train_toggle").click()                                # pause: the history stops
    expect(button(page, "train_toggle")).to_contain_text("Train")
    page.wait_for_timeout(1500)                                         # the last redraw arrives
    assert wait_step(page, ">", first) > first
    drawn = page.evaluate("""() => { const p = document.querySelector('.st-key-sine-loss .js-plotly-plot');
        return p.data.map(t => ({name: t.name, x: Array.from(t.x), y: Array.from(t.y)})); }""")
    rows = list(csv.DictReader(io.StringIO(download_text(page, "dl_metrics"))))
    train = next(t for t in drawn if t["name"] == "train")
    assert train["x"] == [int(r["step"]) for r in rows]                 # no point lost or doubled
    assert train["y"] == pytest.approx([float(r["train_loss"]) for r in rows], rel=1e-6)   # float32 wire
    norms = page.evaluate("""() => Array.from(document.querySelector('.st-key-sine-grad-norm .js-plotly-plot')
        .data[0].x)""")
    assert norms == [int(r["step"]) for r in rows]


def test_one_tick_of_the_sine_page_costs_a_few_kilobytes(app_server: Any) -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    from bench.stclient import Tab

    async def measure() -> list[int]:
        tab = Tab(app_server.url, "sine_wave", "epochs=400")
        await tab.open(60.0)
        await tab.press("train_toggle", 60.0)
        await asyncio.sleep(6.0)
        await tab.close()
        return tab.stats.bytes[3:]                                       # after warm-up

    with ThreadPoolExecutor(1) as pool:                        # (the browser's own loop runs in this thread)
        sizes = pool.submit(asyncio.run, measure()).result()
    assert len(sizes) >= 5, sizes
    assert statistics.median(sizes) <= PAYLOAD_MAX and max(sizes) <= 2 * PAYLOAD_MAX, sizes
