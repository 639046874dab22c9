"""ModelConfig / TrainConfig: defaults, validation that names the field, frozen instances."""

from __future__ import annotations

import dataclasses
import math

import pytest

from rnn_core import ModelConfig, TrainConfig
from rnn_core.config import RunConfig, TaskConfig
from rnn_core.experiments import get_experiment

NAN, INF = float("nan"), float("inf")

MODEL_BAD = [
    ("input_size", [0, -1, 4097, 1.5, "3", True, None]),
    ("hidden_size", [0, -5, 4097, 2.0, "8", False, None]),
    ("output_size", [0, 4097, 1.0, "1", None]),
    ("cell", ["cnn", "RNN", "", None, 1]),
    ("activation", ["softmax", "Tanh", "", None, 0]),
    ("head", ["linear", "Regression", None]),
    ("backend", ["jax", "Numpy", None]),
    ("dtype", ["float16", "float", "int32", None]),
    ("init", ["xavier", "uniform", "", None]),
    ("init_std", [0, 0.0, -0.1, NAN, INF, -INF, "0.3", None, True]),
    ("init_std_out", [0, -1.0, NAN, INF, "0.1", True]),
    ("w_hh_scale", [0.49, 1.51, 0, NAN, INF, "1", None, True]),
]

TRAIN_BAD = [
    ("lr", [0, 0.0, -1e-3, 10.5, NAN, INF, "0.01", None, True]),
    ("optimizer", ["rmsprop", "Adam", "", None]),
    ("momentum", [-0.1, 1.0, 0.9995, NAN, INF, "0.9", None]),
    ("clip_mode", ["global", "Norm", "", None]),
    ("clip", [-1.0, -1e-9, 0.0, 0.09, 100.5, NAN, INF, "5", None]),   # 0 would erase every gradient
    ("bptt_truncate", [0, -1, 2.5, 3.0, "3", True]),
    ("batch_size", [0, -1, 4097, 32.0, "32", None]),
    ("epochs", [0, -3, 1_000_001, 5.0, None]),
    ("seed", [-1, 2**31, 1.0, "0", None, True]),
]


def _cases(table):
    return [pytest.param(field, value, id=f"{field}={value!r}")
            for field, values in table for value in values]


def _check_message(msg: str, field: str, value) -> None:
    assert msg.startswith(f"{field}:"), msg                          # names the field ...
    shown = "nan" if isinstance(value, float) and math.isnan(value) else repr(value)
    assert shown in msg or str(value) in msg, msg                    # ... what was given ...
    assert "expected" in msg, msg                                    # ... and what was expected


@pytest.mark.parametrize("field, value", _cases(MODEL_BAD))
def test_model_config_bad_values_raise_naming_the_field(field, value):
    with pytest.raises(ValueError) as err:
        ModelConfig(**{field: value})
    _check_message(str(err.value), field, value)


@pytest.mark.parametrize("field, value", _cases(TRAIN_BAD))
def test_train_config_bad_values_raise_naming_the_field(field, value):
    with pytest.raises(ValueError) as err:
        TrainConfig(**{field: value})
    _check_message(str(err.value), field, value)


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_gated_cells_need_the_torch_backend(cell):
    want = rf"^cell: got '{cell}' with backend 'numpy', expected backend='torch'"
    with pytest.raises(ValueError, match=want):
        ModelConfig(cell=cell, backend="numpy")
    assert ModelConfig(cell=cell, backend="torch").cell == cell       # config only: no torch import


def test_defaults_are_valid_and_documented_values():
    m, t = ModelConfig(), TrainConfig()
    assert (m.input_size, m.hidden_size, m.output_size) == (1, 32, 1)
    assert (m.cell, m.activation, m.head, m.backend, m.dtype, m.init) == (
        "rnn", "tanh", "regression", "numpy", "float32", "default")
    assert m.init_std == 0.3 and m.init_std_out is None
    assert t.bptt_truncate is None and t.optimizer == "adam" and t.clip_mode == "norm"


@pytest.mark.parametrize("kwargs", [
    {"input_size": 1, "hidden_size": 4096, "output_size": 4096},
    {"activation": "relu", "head": "classification", "dtype": "float64", "init": "uniform01"},
    {"activation": "sigmoid", "init": "normal", "init_std": 1e-6, "init_std_out": 2},
    {"init_std": 1},                                                  # an int is a fine std
    {"w_hh_scale": 0.5}, {"w_hh_scale": 1.5},
])
def test_model_config_valid_edges_accepted(kwargs):
    cfg = ModelConfig(**kwargs)
    for key, value in kwargs.items():
        assert getattr(cfg, key) == value


@pytest.mark.parametrize("kwargs", [
    {"lr": 10.0}, {"lr": 1e-12}, {"lr": 1}, {"momentum": 0.0}, {"momentum": 0.99}, {"clip": 0.1},
    {"clip": 100.0},
    {"clip_mode": "off"}, {"clip_mode": "value"}, {"optimizer": "sgd"}, {"optimizer": "momentum"},
    {"bptt_truncate": 1}, {"bptt_truncate": 10_000}, {"bptt_truncate": None}, {"batch_size": 1},
    {"batch_size": 4096}, {"epochs": 1}, {"epochs": 1_000_000}, {"seed": 0}, {"seed": 2**31 - 1},
])
def test_train_config_valid_edges_accepted(kwargs):
    cfg = TrainConfig(**kwargs)
    for key, value in kwargs.items():
        assert getattr(cfg, key) == value


def test_replace_validates_and_configs_hash():
    cfg = ModelConfig(hidden_size=8)
    assert dataclasses.replace(cfg, hidden_size=16).hidden_size == 16
    with pytest.raises(ValueError, match=r"^hidden_size:"):
        dataclasses.replace(cfg, hidden_size=0)
    assert hash(cfg) == hash(ModelConfig(hidden_size=8)) and cfg == ModelConfig(hidden_size=8)
    assert TrainConfig(lr=0.1) == TrainConfig(lr=0.1) != TrainConfig(lr=0.2)


@pytest.mark.parametrize("lag", [0, 201, 2.0, "5", None])
def test_task_config_lag_range(lag):
    memory = get_experiment("memory")
    with pytest.raises(ValueError) as err:
        memory.task_config(lag=lag)
    _check_message(str(err.value), "lag", lag)
    assert memory.task_config(lag=1).lag == 1 and memory.task_config(lag=200).lag == 200
    with pytest.raises(ValueError, match=r"^lag: got 0, expected an integer >= 1 and <= 200$"):
        memory.make_task(memory.preset().replace(lag=0))          # checked where a task is made


def test_task_settings_are_the_experiments_own():
    sine, memory = get_experiment("sine").preset(), get_experiment("memory").preset()
    with pytest.raises(ValueError, match=r"^task settings: got \['lag'\], expected \[\] for the sine"):
        get_experiment("sine").make_task(RunConfig(sine.model, sine.train, TaskConfig.of(lag=5)))
    with pytest.raises(ValueError, match=r"^task settings: got \[\], expected \['lag'\] for the memory"):
        get_experiment("memory").make_task(RunConfig(memory.model, memory.train))


def test_run_config_replace_routes_each_setting_to_its_part():
    run = get_experiment("memory").preset()
    new = run.replace(hidden_size=7, lr=0.5, lag=9)
    assert (new.model.hidden_size, new.train.lr, new.task.lag) == (7, 0.5, 9)
    assert run.diff(new) == ["hidden_size", "lr", "lag"]
    with pytest.raises(ValueError, match=r"^settings: got unknown names \['hiddensize'\]"):
        run.replace(hiddensize=7)
