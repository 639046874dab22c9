"""Compare mode's shared scales and table with one run that diverged: real runs of the sine page's lesson
link (/sine_wave?optimizer=sgd&lr=0.2&clip=1&compare=clip_mode:off,norm), where the unclipped run's
loss grows to ~1e38 before it stops and the clipped one learns. The working run must stay readable."""

from __future__ import annotations

import math
import types

import numpy as np
import pytest

from rnn_core.compare import parse_spec, runs_of
from rnn_core.experiments import get_experiment
from rnn_core.snapshot import Stop
from rnn_core.trainer import Trainer
from ui import compare, words
from ui import comparefigs as C
from ui import figures as F
from ui import plotstyle as S

SINE = get_experiment("sine")
SPEC = parse_spec("clip_mode:off,norm", SINE)
LABELS = [SPEC.label(i) for i in range(2)]                # "clip_mode = off", "clip_mode = norm"


def lesson_rounds(start: bool) -> list[list]:
    """Every lockstep round's snapshots of the lesson's two runs, as the page trains them (``start``: with
    the page's step-0 snapshot, whose loss is the untrained model's)."""
    base = SINE.preset("default").replace(optimizer="sgd", lr=0.2, clip=1.0)
    ts = [Trainer(SINE.make_task(r), r) for r in runs_of(base, SPEC, SINE)]
    if start:
        for t in ts:
            t.snapshot()
    with np.errstate(all="ignore"):
        return [_round(ts) for _ in range(10)]


def _round(ts: list) -> list:
    for t in ts:                                            # a lockstep round of 5 steps each
        if not t.done:
            t.run(steps=5)
    return [t.last for t in ts]


@pytest.fixture(scope="module", params=[True, False], ids=["from-step-0", "no-step-0"])
def rounds(request):
    return lesson_rounds(request.param)


@pytest.fixture(scope="module")
def snaps(rounds):
    return rounds[-1]


def largest(snap, field):
    return max(getattr(r, field) for r in snap.history)


def test_the_fixture_is_the_lesson_a_run_blows_up_and_stops_the_other_learns(snaps):
    off, norm = snaps
    assert off.stop is not None and off.stop.kind in ("diverged", "overflow")
    assert largest(off, "val_loss") > 1e30 and off.metrics["val_rmse"] > 1e15    # huge, still finite
    assert norm.stop is None and norm.step > off.step
    assert largest(norm, "train_loss") < 0.5 and largest(norm, "val_loss") < 0.5


def test_a_stopped_run_sets_the_scales_only_with_its_records_before_the_blow_up(snaps):
    off, norm = S.scale_histories(snaps)
    assert [r.step for r in off] in ([0], [])          # the untrained step 0, if recorded; then 728 and up
    assert len(norm) == len(snaps[1].history)          # the working run: every record


def test_loss_overlay_keeps_the_working_run_readable_and_draws_the_blow_up_to_its_mark(snaps):
    fig = C.loss_overlay(snaps, LABELS)
    lo, hi = fig.layout.yaxis.range
    assert hi <= 0.5                       # 10^0.5 ≈ 3: within a decade of the working run's largest, 0.36
    assert lo >= -5 and hi - lo <= S.MAX_DECADES
    off = next(t for t in fig.data if t.name == LABELS[0])
    assert max(off.y) > 1e30 and off.x[-1] == snaps[0].step          # drawn (off the top) up to …
    (mark,) = [t for t in fig.data if t.name == "diverged"]
    assert mark.x == (snaps[0].step,) and mark.y[0] == pytest.approx(10 ** hi)      # … its ✕ at the top


def test_metric_overlay_keeps_the_working_run_readable_and_marks_the_stop(snaps):
    fig = C.metric_overlay(snaps, LABELS, "val_rmse", "validation RMSE")
    lo, hi = fig.layout.yaxis.range
    assert hi <= 0.5                       # the working run's RMSE is at most 0.6; the other's was 1.7e19
    assert lo >= -4
    (mark,) = [t for t in fig.data if t.name == "diverged"]
    assert mark.x == (snaps[0].step,) and mark.y[0] == pytest.approx(10 ** hi)


def test_shared_gradient_colours_are_the_working_runs(snaps):
    lo, hi = F.grad_log_range(snaps)
    assert (lo, hi) == F.grad_log_range(snaps[1:])     # the blown-up run adds nothing to the range …
    assert -6 <= lo and hi <= 1                        # … which spans the working run's 10^-4 … 10^0
    assert F.grad_log_range(snaps[:1])[1] >= 10        # alone, its own heatmap still shows its 10^16


def test_a_run_blowing_up_before_it_stops_does_not_stretch_the_scales(rounds):
    going = next(r for r in rounds if r[0].stop is None and largest(r[0], "train_loss") > 1e20)
    assert C.loss_overlay(going, LABELS).layout.yaxis.range[1] <= 0.5
    assert C.metric_overlay(going, LABELS, "val_rmse", "validation RMSE").layout.yaxis.range[1] <= 0.5
    assert F.grad_log_range(going)[1] <= 1


def test_single_run_figures_still_show_a_blow_up_whole(snaps):
    assert F.loss_figure(snaps[0]).layout.yaxis.range[1] >= 38       # its own chart: up to 10^38


@pytest.mark.parametrize("v, text", [
    (16962880363081646000.0, "1.7e19"), (5.0709912527345376e+36, "5.1e36"), (-2.5e7, "-2.5e7"),
    (0.06435190452715676, "0.06435"), (728.0, "728"), (123456.7, "123,457"), (1.23456e-5, "1.235e-5"),
    (0.0, "0"), (3, "3"), (float("nan"), "–"), (None, "–"), ("n/a", "–"), (float("inf"), "diverged"),
])
def test_table_numbers_are_written_for_a_person(v, text):
    assert words.table_number(v) == text


@pytest.mark.parametrize("v, text", [
    (float("inf"), "∞"), (-math.inf, "−∞"), (5.0709912527345376e+36, "5.1e36"), (0.358, "0.358"),
    (0.0036884185392409563, "0.003688"), (1.23456e-5, "1.235e-5"), (None, "–"), (float("nan"), "–"),
])
def test_status_numbers_read_well_when_huge_or_infinite(v, text):
    assert words.number(v) == text


def test_the_comparison_table_prints_a_blow_up_as_its_order_of_magnitude(monkeypatch):
    shown = {}
    monkeypatch.setattr(compare.st, "dataframe", lambda rows, **kw: shown.setdefault("rows", rows))
    diverged = types.SimpleNamespace(train_loss=16962880363081646000.0, metrics={"val_rmse": math.nan},
                                     step=26, wall_time=0.021, stop=Stop("diverged", 27, math.inf), done=True)
    fine = types.SimpleNamespace(train_loss=0.0036884185392409563, metrics={"val_rmse": 0.06435190452715676},
                                 step=400, wall_time=0.5, stop=None, done=True)
    page = types.SimpleNamespace(runs=[types.SimpleNamespace(snap=s) for s in (diverged, fine)])
    metric = next(m for m in SINE.metrics if m.better)
    compare.table(SINE, page, LABELS, metric)
    rows = shown["rows"]
    assert [(r["final loss"], r[metric.label]) for r in rows] == [("1.7e19", "–"), ("0.003688", "0.06435")]
    assert [(r["run"], r["steps"], r["status"]) for r in rows] == [(LABELS[0], 26, "stopped"),
                                                                    (LABELS[1], 400, "complete")]
