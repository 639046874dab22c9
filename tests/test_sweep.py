"""rnn_core.sweep: combinations × seeds trained in small time budgets, cancelling, rows and their table."""

from __future__ import annotations

import json
import time

import pytest

from rnn_core.cliparse import parse_seeds, parse_vary
from rnn_core.experiments import get_experiment
from rnn_core.experiments.memory import MEMORY
from rnn_core.export import plain
from rnn_core.sweep import MAX_RUNS, MAX_SEEDS, Sweep, format_table

SMALL = {"hidden_size": 8, "epochs": 2}          # 2 epochs of 8 batches: 16 steps a run
ROW_KEYS = ["lag", "cell", "accuracy_median", "accuracy_min", "chance_median", "grad_reach_median",
            "steps", "seconds", "seconds_max", "stopped", "runs"]


def test_sweep_advances_in_budgets_to_one_row_per_combination() -> None:
    sweep = Sweep(MEMORY, {"lag": [2, 3], "cell": ["rnn"]}, seeds=(0, 1), fixed=SMALL)
    assert sweep.combos == [{"lag": 2, "cell": "rnn"}, {"lag": 3, "cell": "rnn"}]
    seen = [sweep.progress]
    while not sweep.done:
        seen.append(sweep.advance(0.001))                           # about one step a call
    assert seen[0] == 0.0 and seen[-1] == 1.0 and seen == sorted(seen) and len(seen) > 2
    assert [list(r) for r in sweep.rows] == [ROW_KEYS, ROW_KEYS]
    assert [(r["lag"], r["cell"], r["steps"], r["stopped"]) for r in sweep.rows] == [(2, "rnn", 16, 0),
                                                                                   (3, "rnn", 16, 0)]
    runs = sweep.rows[0]["runs"]
    assert [r["seed"] for r in runs] == [0, 1] and all(r["stop_reason"] is None for r in runs)
    assert sweep.rows[0]["accuracy_min"] == min(r["metrics"]["accuracy"] for r in runs)
    assert sweep.rows[0]["chance_median"] == 0.25


def test_a_small_budget_returns_before_the_sweep_is_done() -> None:
    sweep = Sweep(MEMORY, {"lag": [20]}, seeds=(0,), fixed={"hidden_size": 8, "epochs": 50})
    t0 = time.perf_counter()
    progress = sweep.advance(0.02)
    assert time.perf_counter() - t0 < 1.0                            # 400 steps would take longer
    assert 0.0 < progress < 1.0 and not sweep.done and sweep.rows == []


def test_cancel_ends_the_sweep_without_more_rows() -> None:
    sweep = Sweep(MEMORY, {"lag": [2, 150]}, seeds=(0,), fixed={"hidden_size": 8, "epochs": 40})
    while not sweep.rows:                                            # lag 150: 320 steps take > 0.2 s
        sweep.advance(0.02)
    assert len(sweep.rows) == 1 and not sweep.done
    sweep.cancel()
    assert sweep.done and sweep.cancelled
    assert sweep.advance(0.05) == 0.5 and len(sweep.rows) == 1        # nothing trains any more


def test_settings_precedence_implied_then_fixed_then_varied() -> None:
    implies = {("cell", "lstm"): {"backend": "torch", "lr": 0.02}, ("lag", 3): {"lr": 0.1, "clip": 2.0}}
    sweep = Sweep(MEMORY, {"cell": ["lstm"], "lag": [3]}, fixed={"clip": 3.0}, implies=implies)
    run = sweep.settings({"cell": "lstm", "lag": 3}, 7)
    assert (run.model.cell, run.model.backend, run.task.lag) == ("lstm", "torch", 3)
    assert (run.train.lr, run.train.clip, run.train.seed) == (0.1, 3.0, 7)


def test_the_experiment_says_what_goes_with_a_cell() -> None:
    run = Sweep(MEMORY, {"cell": ["gru"]}).settings({"cell": "gru"}, 0)
    assert (run.model.backend, run.train.lr) == ("torch", 0.02)


def test_unknown_knobs_and_empty_sweeps_are_refused() -> None:
    with pytest.raises(ValueError, match=r"^vary/fixed: got unknown settings \['colour'\]"):
        Sweep(MEMORY, {"colour": ["red"]})
    with pytest.raises(ValueError, match="^vary: got"):
        Sweep(MEMORY, {"lag": []})
    with pytest.raises(ValueError, match="^seeds: got none"):
        Sweep(MEMORY, {"lag": [2]}, seeds=())
    with pytest.raises(ValueError, match="^lag: got 0"):                 # checked before anything trains
        Sweep(MEMORY, {"lag": [5, 0]})


def test_a_set_cell_brings_what_goes_with_it() -> None:
    run = Sweep(MEMORY, {"lag": [5]}, fixed={"cell": "gru"}).settings({"lag": 5}, 0)
    assert (run.model.cell, run.model.backend, run.train.lr, run.task.lag) == ("gru", "torch", 0.02, 5)


@pytest.mark.parametrize("kwargs, message", [
    ({"vary": {"seed": [1, 2]}}, "vary/fixed: got seed, expected the seeds as seeds=[...]"),
    ({"vary": {"lag": [5]}, "fixed": {"seed": 5}}, "vary/fixed: got seed, expected the seeds as seeds=[...]"),
    ({"vary": {"lag": [5]}, "metric": "bogus"},
     "metric: got 'bogus', expected one of the memory experiment's metrics: accuracy, chance, grad_reach"),
    ({"vary": {"lag": [5, 5]}}, "vary: the values of lag repeat ([5, 5]), expected different ones"),
    ({"vary": {"lag": [5]}, "fixed": {"lag": 6}},
     "vary/fixed: got lag in both, expected each setting in one"),
    ({"vary": {"lag": [5]}, "seeds": range(MAX_SEEDS + 1)},
     f"seeds: got 101 seeds, expected at most {MAX_SEEDS}"),
    ({"vary": {"lag": list(range(1, 12))}, "seeds": range(MAX_SEEDS)},
     f"sweep: 11 combinations × 100 seeds = 1,100 runs, expected at most {MAX_RUNS:,}"),
])
def test_a_sweep_refuses_what_it_would_not_do(kwargs, message) -> None:
    with pytest.raises(ValueError) as e:
        Sweep(MEMORY, **kwargs)
    assert str(e.value) == message


def test_a_huge_product_is_refused_before_it_is_built() -> None:
    vary = {name: list(range(1, 101)) for name in ("lag", "hidden_size", "epochs", "batch_size")}
    t0 = time.perf_counter()
    with pytest.raises(ValueError, match=r"^sweep: 100,000,000 combinations × 3 seeds = 300,000,000 runs"):
        Sweep(MEMORY, vary)
    assert time.perf_counter() - t0 < 1.0


def test_other_experiments_sweep_too() -> None:
    sweep = Sweep(get_experiment("abcde"), {"hidden_size": [4, 8]}, seeds=(0,), fixed={"epochs": 3})
    rows = sweep.run_all()
    assert [(r["hidden_size"], r["steps"]) for r in rows] == [(4, 3), (8, 3)]
    assert list(rows[0])[:3] == ["hidden_size", "accuracy_median", "accuracy_min"]


def test_parsing_table_and_json() -> None:
    assert parse_vary(["lag=5,10", "cell=rnn,gru", "bptt_truncate=3,full", "lr=0.01"], MEMORY) == {
        "lag": [5, 10], "cell": ["rnn", "gru"], "bptt_truncate": [3, None], "lr": [0.01]}
    assert parse_seeds("0-2") == [0, 1, 2] and parse_seeds("1,4") == [1, 4]
    with pytest.raises(ValueError, match="^--vary: got 'lag'"):
        parse_vary(["lag"], MEMORY)
    with pytest.raises(ValueError, match="^--vary lag: got 0, expected an integer >= 1 and <= 200$"):
        parse_vary(["lag=0"], MEMORY)                                # memory's own knob says so
    with pytest.raises(ValueError, match="^--seeds: got 'a-b'"):
        parse_seeds("a-b")
    rows = [{"lag": 5, "cell": "rnn", "accuracy_median": 1.0, "accuracy_min": 0.5, "grad_reach_median":
             float("-inf"), "steps": 1280, "seconds": 0.584, "seconds_max": 0.61, "stopped": 0, "runs": []}]
    assert format_table(rows) == (
        "lag  cell  accuracy_median  accuracy_min  grad_reach_median  steps  seconds  seconds_max  stopped\n"
        "  5   rnn            1.000         0.500               -inf   1280     0.58         0.61        0")
    assert json.loads(json.dumps(plain(rows)))[0]["grad_reach_median"] is None
    assert format_table([]) == "(no rows)"
