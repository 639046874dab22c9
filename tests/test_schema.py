"""The knob schema: one declaration per setting, read the same way by the configs, the CLI and the app."""

from __future__ import annotations

import dataclasses

import pytest

from rnn_core import schema
from rnn_core.config import ModelConfig, TrainConfig
from rnn_core.experiments import experiments, get_experiment


def test_every_config_field_is_a_knob_of_its_group():
    for group, cls in (("model", ModelConfig), ("train", TrainConfig)):
        for f in dataclasses.fields(cls):
            assert schema.knob(f.name).group == group, f.name


def test_a_task_setting_is_declared_by_its_experiment_only():
    memory, sine = get_experiment("memory"), get_experiment("sine")
    assert "lag" not in schema.KNOB
    assert memory.knob("lag").group == "task" and memory.knob("lag").section == "task"
    assert "lag" in memory.knobs and "lag" not in sine.knobs
    assert memory.preset().task.lag == 50 and sine.preset().as_dict().get("lag") is None
    with pytest.raises(ValueError, match="^setting: got unknown name 'lag'"):
        sine.knob("lag")
    with pytest.raises(ValueError, match=r"^settings: got unknown names \['lag'\]"):
        sine.preset().replace(lag=5)


def test_every_knob_a_person_changes_has_a_section_and_a_widget():
    for exp in experiments():
        for name in exp.knobs:
            k = exp.knob(name)
            assert k.section in schema.SECTIONS and k.widget_kind in schema.WIDGETS, name
    kinds = {k.name: k.widget_kind for k in schema.KNOBS if k.section}
    assert kinds == {"hidden_size": "slider", "backend": "radio", "cell": "select", "activation": "select",
                     "init": "select", "w_hh_scale": "slider", "dtype": "select", "lr": "grid",
                     "optimizer": "select", "momentum": "slider", "epochs": "slider", "batch_size": "slider",
                     "bptt_truncate": "steps", "clip_mode": "radio", "clip": "slider", "seed": "number"}


def test_a_knob_says_when_it_is_in_effect():
    assert not schema.KNOB["momentum"].in_effect({"optimizer": "adam"})
    assert schema.KNOB["momentum"].in_effect({"optimizer": "momentum"})
    assert not schema.KNOB["clip"].in_effect({"clip_mode": "off"})
    assert not schema.KNOB["activation"].in_effect({"cell": "gru"})
    assert schema.KNOB["lr"].in_effect({})


@pytest.mark.parametrize("name", ["hidden_size", "epochs", "batch_size", "bptt_truncate", "seed"])
def test_a_whole_number_of_400_digits_is_refused_in_words(name):
    with pytest.raises(ValueError) as err:
        schema.parse(name, "9" * 400)
    assert str(err.value).startswith(f"{name}: got {'9' * 28}… (400 characters), expected")
    with pytest.raises(ValueError, match="expected an integer"):
        schema.check(name, 10**400)


@pytest.mark.parametrize("text", ["1.01", "5e0", "2.5", "1e3", "7.9", "5.0"])
def test_an_int_knob_takes_only_whole_number_text(text):
    with pytest.raises(ValueError, match=f"^hidden_size: got '{text}', expected an integer"):
        schema.parse("hidden_size", text)


@pytest.mark.parametrize("name, text, value", [
    ("bptt_truncate", "full", None), ("bptt_truncate", "None", None), ("bptt_truncate", " 5 ", 5),
    ("lr", "0.003", 0.003), ("lr", "1e-4", 1e-4), ("hidden_size", "37", 37), ("clip_mode", "norm", "norm"),
    ("init_std_out", "same", None),
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
    assert schema.LIVE_KNOBS == ("lr", "optimizer", "momentum", "epochs", "batch_size", "bptt_truncate",
                                 "clip_mode", "clip")


def test_ui_narrowing_is_declared_with_its_reason():
    narrowed = {k.name: (k.widget_hi, k.hi) for k in schema.KNOBS if k.ui_hi is not None}
    assert narrowed == {"hidden_size": (256, 4096), "lr": (1.0, 10.0), "batch_size": (256, 4096)}
    assert all(schema.KNOB[n].ui_why for n in narrowed)
