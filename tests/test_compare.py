"""Comparisons: the spec, lockstep training, shared seed and data, a run that diverges alone, the CLI."""

from __future__ import annotations

import math

import numpy as np
import pytest

from rnn_core.compare import Spec, labels, lockstep, parse_spec, runs_of
from rnn_core.experiments import get_experiment
from rnn_core.trainer import Trainer

SINE = get_experiment("sine")


@pytest.mark.parametrize("text, knob, values, label", [
    ("bptt_truncate:1,5,full", "bptt_truncate", (1, 5, None), "bptt_truncate = full"),
    ("cell=rnn,lstm,gru", "cell", ("rnn", "lstm", "gru"), "cell = gru"),
    ("lr: 0.1 , 0.01", "lr", (0.1, 0.01), "lr = 0.01"),
])
def test_specs_are_read_as_a_url_or_the_cli_writes_them(text, knob, values, label):
    spec = parse_spec(text, SINE)
    assert (spec.knob, spec.values) == (knob, values)
    assert spec.label(len(values) - 1) == label
    assert parse_spec(spec.text, SINE) == spec


def test_a_label_says_what_goes_with_its_value() -> None:
    memory = get_experiment("memory")
    spec = parse_spec("cell:rnn,lstm,gru", memory)
    base = memory.preset()
    assert labels(spec, base, runs_of(base, spec, memory)) == [
        "cell = rnn", "cell = lstm (backend torch)", "cell = gru (backend torch, lr 0.02)"]
    sine = SINE.preset()
    spec = parse_spec("cell:rnn,lstm,gru", SINE)
    assert labels(spec, sine, runs_of(sine, spec, SINE)) == [
        "cell = rnn", "cell = lstm (backend torch)", "cell = gru (backend torch)"]


def test_a_setting_the_person_set_is_not_overridden_by_what_goes_with_a_value() -> None:
    memory = get_experiment("memory")
    base = memory.preset().replace(lr=0.01)
    runs = runs_of(base, parse_spec("cell:rnn,lstm,gru", memory), memory, pinned=["lr"])
    assert [(r.model.backend, r.train.lr) for r in runs] == [
        ("numpy", 0.01), ("torch", 0.01), ("torch", 0.01)]


def test_a_400_digit_value_is_refused_in_words_not_as_an_overflow() -> None:
    with pytest.raises(ValueError) as err:
        parse_spec("hidden_size:" + "9" * 400 + ",8", SINE)
    assert str(err.value) == (f"hidden_size: got {'9' * 28}… (400 characters), "
                              "expected an integer >= 1 and <= 4096")


@pytest.mark.parametrize("text, says", [
    ("nope:1,2", "'nope' is not a setting this page can compare"),
    ("seed:1,2", "'seed' is not a setting this page can compare"),
    ("lag:5,10", "'lag' is not a setting this page can compare"),          # not a knob of the sine page
    ("lr:0.1", "got 1 value of lr, expected 2 or 3"),
    ("lr:1,0.1,0.01,0.001", "got 4 values of lr, expected 2 or 3"),
    ("hidden_size:8,99999", "hidden_size: got 99999, expected an integer >= 1 and <= 4096"),
    ("clip_mode:off,off", "the values of clip_mode repeat (off, off)"),
    ("bptt_truncate", "expected knob:value1,value2[,value3]"),
])
def test_bad_specs_say_why_in_plain_words(text, says):
    with pytest.raises(ValueError) as err:
        parse_spec(text, SINE)
    assert says in str(err.value)


def trainers(spec_text: str, **changes) -> list[Trainer]:
    base = SINE.preset("default").replace(**changes)
    return [Trainer(SINE.make_task(r), r) for r in runs_of(base, parse_spec(spec_text, SINE), SINE)]


def test_lockstep_gives_every_run_the_same_steps_and_the_same_start():
    ts = trainers("bptt_truncate:1,5,full", epochs=10)
    first = [t.model.get_params()["W_hh"] for t in ts]
    assert all(np.array_equal(first[0], w) for w in first[1:])      # same seed, same first weights
    assert lockstep(ts, seconds=0.0) == 1      # truncation changes the gradient, not the loss of the first
    assert len({t.last.train_loss for t in ts}) == 1                # batch: the same weights, the same data
    for _ in range(4):
        n = lockstep(ts, seconds=0.01)
        assert n >= 1 and len({t.last.step for t in ts}) == 1 and ts[0].last.step > 1
    assert [t.run_cfg.train.bptt_truncate for t in ts] == [1, 5, None]


def test_a_run_that_diverges_stops_alone_and_the_others_go_on():
    ts = trainers("lr:1,0.001", optimizer="sgd", clip_mode="off", activation="relu", hidden_size=64,
                  epochs=200)
    for _ in range(20):
        lockstep(ts, seconds=math.inf, cap=5)          # 1 step to measure the cost, then 5 a round
        if ts[0].last.stop is not None:
            break
    assert ts[0].last.stop is not None and ts[0].last.stop.kind in ("diverged", "overflow")
    stuck = ts[0].last.step
    going = ts[1].last.step
    assert lockstep(ts, seconds=math.inf, cap=5) == 5
    assert ts[0].last.step == stuck and ts[1].last.step == going + 5 and ts[1].last.stop is None


def costing(monkeypatch, seconds: float | None) -> None:
    """Every Trainer's update costs ``seconds`` (None: not measured yet), whatever the clock says."""
    monkeypatch.setattr(Trainer, "step_seconds", property(lambda self: seconds))


def test_a_round_of_three_runs_takes_its_budget_not_three_times_it(monkeypatch):
    ts = trainers("bptt_truncate:1,5,full", epochs=10)               # 10 steps an epoch: 100 to go each
    costing(monkeypatch, 0.01)
    assert lockstep(ts, seconds=0.3) == 10                           # 10 × (0.01 + 0.01 + 0.01) s = 0.3 s
    assert [t.step for t in ts] == [10, 10, 10] and [t.last.step for t in ts] == [10, 10, 10]
    assert lockstep(ts, seconds=0.3, cap=4) == 4                     # a cap wins over the budget
    assert [t.last.step for t in ts] == [14, 14, 14]
    costing(monkeypatch, 0.5)                                        # one update is over the budget
    assert lockstep(ts, seconds=0.3) == 1
    assert [t.last.step for t in ts] == [15, 15, 15]
    costing(monkeypatch, 1e-6)                                       # a budget for more than is left
    assert lockstep(ts, seconds=1.0) == 85
    assert all(t.done and t.last.done and t.last.step == 100 for t in ts)
    assert lockstep(ts, seconds=1.0) == 0


def test_the_first_round_measures_the_cost_with_one_step_each():
    ts = trainers("bptt_truncate:1,full", epochs=10)
    assert [t.step_seconds for t in ts] == [None, None]
    assert lockstep(ts, seconds=100.0) == 1                          # unknown cost: one step, not 100 s
    assert [t.last.step for t in ts] == [1, 1] and all(t.step_seconds > 0 for t in ts)


def test_a_run_that_is_done_is_skipped_and_one_that_fails_stops_alone(monkeypatch):
    ts = trainers("bptt_truncate:1,5,full", epochs=10)
    costing(monkeypatch, 0.01)
    ts[0].run()                                                      # to its end
    assert lockstep(ts, seconds=0.1) == 5                            # the budget is shared by 2 runs
    assert [t.last.step for t in ts] == [100, 5, 5]

    def broken(*args, **kwargs):
        raise RuntimeError("out of memory")

    ts[1].model.loss_and_grads = broken
    assert lockstep(ts, seconds=0.1) == 5
    assert [t.last.step for t in ts] == [100, 5, 10]
    assert ts[1].done and ts[1].last.done
    assert ts[1].last.stop_reason == "training failed at step 6 (out of memory)"
    assert lockstep(ts, seconds=0.1) == 10 and ts[2].last.step == 20   # the one run left has it all


def test_cells_switch_to_the_torch_backend():
    runs = runs_of(SINE.preset("default"), Spec("cell", ("rnn", "gru")), SINE)
    assert [(r.model.cell, r.model.backend) for r in runs] == [("rnn", "numpy"), ("gru", "torch")]
