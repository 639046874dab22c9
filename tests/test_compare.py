"""Comparisons: the spec, lockstep training, shared seed and data, a run that diverges alone, the CLI."""

from __future__ import annotations

import json

import numpy as np
import pytest

from rnn_core import cli
from rnn_core.compare import Spec, lockstep, parse_spec, runs_of
from rnn_core.experiments import get_experiment
from rnn_core.trainer import Trainer

SINE = get_experiment("sine")


@pytest.mark.parametrize("text, knob, values, label", [
    ("bptt_truncate:1,5,full", "bptt_truncate", (1, 5, None), "bptt_truncate = full"),
    ("cell=rnn,lstm,gru", "cell", ("rnn", "lstm", "gru"), "cell = gru (backend torch)"),
    ("lr: 0.1 , 0.01", "lr", (0.1, 0.01), "lr = 0.01"),
])
def test_specs_are_read_as_a_url_or_the_cli_writes_them(text, knob, values, label):
    spec = parse_spec(text, SINE)
    assert (spec.knob, spec.values) == (knob, values)
    assert spec.label(len(values) - 1) == label
    assert parse_spec(spec.text, SINE) == spec


def test_a_label_says_what_goes_with_its_value() -> None:
    spec = parse_spec("cell:rnn,lstm,gru", get_experiment("memory"))
    assert [spec.label(i) for i in range(3)] == [
        "cell = rnn (backend numpy)", "cell = lstm (backend torch)", "cell = gru (backend torch, lr 0.02)"]


@pytest.mark.parametrize("text, says", [
    ("nope:1,2", "'nope' is not a setting this page can compare"),
    ("seed:1,2", "'seed' is not a setting this page can compare"),
    ("lag:5,10", "'lag' is not a setting this page can compare"),          # not a knob of the sine page
    ("lr:0.1", "got 1 value(s) of lr, expected 2 or 3"),
    ("lr:1,0.1,0.01,0.001", "got 4 value(s) of lr, expected 2 or 3"),
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
    one = lockstep(ts, steps=1)          # truncation changes the gradient, not the loss of the first batch:
    assert len({s.train_loss for s in one}) == 1                    # the same weights saw the same data
    for _ in range(4):
        snaps = lockstep(ts, seconds=0.01)
        assert len({s.step for s in snaps}) == 1 and snaps[0].step > 0
    assert [t.run_cfg.train.bptt_truncate for t in ts] == [1, 5, None]


def test_a_run_that_diverges_stops_alone_and_the_others_go_on():
    ts = trainers("lr:1,0.001", optimizer="sgd", clip_mode="off", activation="relu", hidden_size=64,
                  epochs=200)
    for _ in range(20):
        snaps = lockstep(ts, steps=5)
        if snaps[0].stop is not None:
            break
    assert snaps[0].stop is not None and snaps[0].stop.kind in ("diverged", "overflow")
    stuck = snaps[0].step
    going = snaps[1].step
    snaps = lockstep(ts, steps=5)
    assert snaps[0].step == stuck and snaps[1].step == going + 5 and snaps[1].stop is None


def test_cells_switch_to_the_torch_backend():
    runs = runs_of(SINE.preset("default"), Spec("cell", ("rnn", "gru")), SINE)
    assert [(r.model.cell, r.model.backend) for r in runs] == [("rnn", "numpy"), ("gru", "torch")]


def test_cli_compare_prints_one_json_object_per_run(capsys):
    assert cli.main(["compare", "sine", "--vary", "bptt_truncate=1,full", "--set", "epochs=3", "--json"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.strip().splitlines()]
    assert [(r["knob"], r["value"], r["steps"]) for r in rows] == [("bptt_truncate", "1", 30),
                                                                    ("bptt_truncate", "full", 30)]
    assert [r["config"]["bptt_truncate"] for r in rows] == [1, None]
    for r in rows:
        assert {"experiment", "preset", "steps", "seconds", "config", "metrics", "diverged"} <= set(r)
        assert r["experiment"] == "sine" and np.isfinite(r["metrics"]["val_rmse"])


def test_cli_compare_table_and_bad_spec(capsys):
    assert cli.main(["compare", "elman", "--vary", "hidden_size=2,8", "--set", "epochs=5"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].split() == ["run", "hidden_size", "final", "loss", "rmse", "steps", "seconds", "stopped"]
    assert [line.split()[:2] for line in out[1:]] == [["1", "2"], ["2", "8"]]
    assert cli.main(["compare", "elman", "--vary", "hidden_size=8"]) == 2
    assert "expected 2 or 3" in capsys.readouterr().err


def test_cli_json_is_strict_json_when_a_run_diverges(capsys):
    def refuse(name):
        raise AssertionError(f"{name} in the JSON output")

    args = ["train", "sine", "--json", "--set", "lr=1", "--set", "optimizer=sgd", "--set", "clip_mode=off",
            "--set", "activation=relu", "--set", "hidden_size=64"]
    assert cli.main(args) == 0
    out = json.loads(capsys.readouterr().out.strip().splitlines()[-1], parse_constant=refuse)
    assert out["diverged"] is True and out["stop_reason"].startswith("the ")
    assert out["metrics"]["val_rmse"] is None                        # inf written as null
