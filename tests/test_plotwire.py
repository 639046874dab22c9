"""The live charts' wire format (ui/plotwire.py): a whole figure, then only what changed; the browser's
figure after the patches is the figure drawn whole, point for point; a repeated update doubles nothing;
numbers travel as float32 and heatmaps as 256 levels."""

from __future__ import annotations

import json

import numpy as np
import pytest

from rnn_core.experiments import get_experiment
from rnn_core.trainer import Trainer
from ui import figures, plotwire


def sine_snapshots(n: int = 6) -> list:
    exp = get_experiment("sine")
    run = exp.preset()
    tr = Trainer(exp.make_task(run), run)
    return [tr.run(steps=7) for _ in range(n)]


def whole(spec: dict, v: int = 1) -> bytes:
    return plotwire.dumps({"kind": "full", "v": v, "figure": plotwire.pack_figure(spec)})


FIGS = {"loss": figures.loss_figure, "grad": lambda s: figures.grad_heatmap_figure(s, "last"),
        "norm": figures.grad_norm_figure, "hidden": lambda s: figures.hidden_figure(s, "tanh")}


@pytest.mark.parametrize("name", list(FIGS))
def test_patches_rebuild_the_figure_drawn_whole(name: str) -> None:
    specs = [FIGS[name](s).to_plotly_json() for s in sine_snapshots()]
    held = plotwire.decode(whole(specs[0]))
    for old, new in zip(specs, specs[1:], strict=False):
        ops = plotwire.diff(old, new)
        assert ops is not None                                     # the same traces: a patch, not a figure
        held = plotwire.decode(plotwire.dumps({"kind": "patch", "full": 1, "v": 2, **ops}), held)
    assert held == plotwire.decode(whole(specs[-1]))


def test_a_curve_grows_by_its_new_points_and_a_repeated_update_doubles_nothing() -> None:
    snaps = sine_snapshots(3)
    a, b = (figures.loss_figure(s).to_plotly_json() for s in snaps[1:])
    ops = plotwire.diff(a, b)
    train = ops["traces"]["0"]
    assert set(train) == {"x", "y"} and train["x"]["at"] == 2                # records 0 and 1 were held
    patch = plotwire.dumps({"kind": "patch", "full": 1, "v": 2, **ops})
    once = plotwire.decode(patch, plotwire.decode(whole(a)))
    twice = plotwire.decode(patch, once)
    assert once == twice and len(once["data"][0]["x"]) == 3


def test_numbers_travel_compact() -> None:
    z = np.linspace(-1, 1, 64 * 80).reshape(64, 80)
    z[3, 7] = np.nan
    packed = plotwire.pack(z, "z", {"type": "heatmap", "zmin": -1.0, "zmax": 1.0, "meta": "levels"})
    assert packed["dtype"] == "u1" and len(packed["bdata"]) == 6828       # 5,120 cells, a byte each, base64
    back = np.array(plotwire.unpack(packed), dtype=float)
    assert np.isnan(back[3, 7]) and np.nanmax(np.abs(back - z)) <= 1 / 254 + 1e-12   # half a level of 2 / 254
    assert abs(back[0, 0] - -1.0) < 1e-12 and abs(back[-1, -1] - 1.0) < 1e-12        # the ends exact
    exact = plotwire.pack(z[:8, :8], "z", {"type": "heatmap", "zmin": -1.0, "zmax": 1.0})
    assert exact["dtype"] == "f4"                                         # the box's strips: exact to float32
    f = plotwire.pack(np.array([0.1, 1e-5, 3.0]))
    assert f["dtype"] == "f4" and plotwire.unpack(f) == pytest.approx([0.1, 1e-5, 3.0], rel=1e-7)
    assert json.loads(plotwire.dumps({"x": [float("nan"), np.float64(2.5)]})) == {"x": [None, 2.5]}
