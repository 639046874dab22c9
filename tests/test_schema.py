"""The knob schema: one declaration per setting, read the same way by the configs, the CLI and the app."""

from __future__ import annotations

import dataclasses

import pytest

from rnn_core import schema
from rnn_core.config import ModelConfig, TaskConfig, TrainConfig


def test_every_config_field_is_a_knob_of_its_group():
    for group, cls in (("model", ModelConfig), ("train", TrainConfig), ("task", TaskConfig)):
        for f in dataclasses.fields(cls):
            assert schema.knob(f.name).group == group, f.name


@pytest.mark.parametrize("name, text, value", [
    ("bptt_truncate", "full", None), ("bptt_truncate", "None", None), ("bptt_truncate", " 5 ", 5),
    ("lr", "0.003", 0.003), ("lr", "1e-4", 1e-4), ("hidden_size", "37", 37), ("clip_mode", "norm", "norm"),
    ("init_std_out", "same", None), ("lag", "200", 200),
])
def test_parse_reads_what_a_person_writes(name, text, value):
    assert schema.parse(name, text) == value


@pytest.mark.parametrize("name, text, message", [
    ("hidden_size", "3.5", "hidden_size: got '3.5', expected an integer >= 1 and <= 4096"),
    ("lr", "inf", "lr: got inf, expected a finite number > 0 and <= 10"),
    ("lr", "0", "lr: got 0.0, expected a finite number > 0 and <= 10"),
    ("clip_mode", "clip", "clip_mode: got 'clip', expected one of 'off', 'value', 'norm'"),
    ("bptt_truncate", "0", "bptt_truncate: got 0, expected an integer >= 1 and <= 100000, or 'full'"),
    ("seed", "2147483648", "seed: got 2147483648, expected an integer >= 0 and <= 2147483647"),
    ("lr", "", "lr: got '', expected a finite number > 0 and <= 10"),
])
def test_parse_refuses_with_a_plain_message(name, text, message):
    with pytest.raises(ValueError) as err:
        schema.parse(name, text)
    assert str(err.value) == message


def test_unknown_names_list_the_known_ones():
    want = r"^setting: got unknown name 'hiden_size', expected one of .*hidden_size"
    with pytest.raises(ValueError, match=want):
        schema.knob("hiden_size")


@pytest.mark.parametrize("name, value, text", [
    ("bptt_truncate", None, "full"), ("bptt_truncate", 3, "3"), ("lr", 0.0030000, "0.003"),
    ("lr", 1e-05, "1e-05"), ("clip", 5.0, "5"), ("optimizer", "adam", "adam"),
])
def test_format_writes_values_as_a_person_and_a_url_do(name, value, text):
    assert schema.format_value(name, value) == text


def test_live_knobs_are_the_training_settings_that_a_running_model_can_take():
    assert schema.LIVE_KNOBS == ("lr", "optimizer", "momentum", "batch_size", "epochs", "bptt_truncate",
                                 "clip_mode", "clip")


def test_ui_narrowing_is_declared_with_its_reason():
    narrowed = {k.name: (k.widget_hi, k.hi) for k in schema.KNOBS if k.ui_hi is not None}
    assert narrowed == {"hidden_size": (256, 4096), "lr": (1.0, 10.0), "batch_size": (256, 4096)}
    assert all(schema.KNOB[n].ui_why for n in narrowed)
