"""Any URL value, for any knob, on any page: no traceback, and every knob inside its widget's range
(property-based: numbers, inf, nan, huge, negative, empty, unicode, long strings, repeated keys)."""

from __future__ import annotations

import math

import pytest
from apptest import knob_value, open_page, page_runs, run_of
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rnn_core.experiments import experiment_ids, get_experiment
from ui.limits import limits

ODD = st.sampled_from(["inf", "-inf", "nan", "1e309", "-1", "0", "", " ", "1e-400", "9" * 40, "9" * 400,
                       "-" + "9" * 400, "0x10", "full", "none", "True", "½", "١٢", "🦖", "a" * 5000, "3.5",
                       "1,2", "%00", "1.01", "5e0"])
VALUE = st.one_of(ODD, st.integers(-10**12, 10**12).map(str), st.floats(allow_nan=True).map(repr),
                  st.text(max_size=30))
KNOBS = sorted({k for e in experiment_ids() for k in get_experiment(e).knobs}
               | {"preset", "compare", "show", "speed"})
COMPARED = sorted({k for e in experiment_ids() for k in get_experiment(e).knobs} - {"seed"})
SPEC = st.builds(lambda k, vs: f"{k}:{','.join(vs)}", st.sampled_from(COMPARED),
                 st.lists(st.one_of(ODD, st.integers(-10**6, 10**6).map(str)), min_size=1, max_size=4))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(exp_id=st.sampled_from(experiment_ids()),
       query=st.dictionaries(st.sampled_from(KNOBS), st.lists(VALUE, min_size=1, max_size=2), max_size=4),
       spec=st.one_of(st.none(), SPEC))
def test_any_url_values_leave_every_knob_in_range(exp_id, query, spec):
    if spec is not None:
        query["compare"] = [spec]
    at = open_page(exp_id, **query)                          # a list: the key repeated
    assert not at.exception, [e.value for e in at.exception]
    exp = get_experiment(exp_id)
    lim = limits(exp_id)
    run = run_of(at, exp_id).run.as_dict()
    for name in exp.knobs:
        knob = exp.knob(name)
        knob.check(run[name])                               # the run holds a valid setting
        shown = knob_value(at, name)
        if knob.kind != "choice" and knob.none is None:
            top = lim.hi(knob)
            assert math.isfinite(float(shown)) and (top is None or float(shown) <= top), (name, shown)


# ----------------------------------------------------------------------------- literal cases (fuzz findings)

def notices(at) -> list[str]:
    return [str(t.value) for t in at.toast]


@pytest.mark.parametrize("text", ["1.01", "5e0", "2.5", "1e3", "7.9"])
def test_a_refused_value_is_neither_used_nor_rounded(text):
    at = open_page("sine", hidden_size=text)
    assert not at.exception
    assert f"Ignored hidden_size='{text}' from the link: expected an integer >= 1 and <= 4096." in notices(at)
    assert run_of(at, "sine").run.model.hidden_size == 32                # the preset's, not int(text)
    assert knob_value(at, "hidden_size") == 32 and "hidden_size" not in at.query_params


def test_a_refused_seed_is_not_shown_as_another_number():
    at = open_page("sine", seed="1.5")
    assert run_of(at, "sine").run.train.seed == 0 and knob_value(at, "seed") == 0


@pytest.mark.parametrize("name", ["hidden_size", "epochs", "batch_size", "bptt_truncate", "seed", "lag"])
def test_a_400_digit_number_is_dropped_with_a_notice(name):
    at = open_page("memory", **{name: "9" * 400})
    assert not at.exception, [e.value for e in at.exception]
    said = f"Ignored {name}='{'9' * 30}… (400 characters)' from the link"
    assert any(n.startswith(said) for n in notices(at))


@pytest.mark.parametrize("spec, says", [
    ("hidden_size:4096,8", "compare: hidden_size = 4096: this page offers 1 … 256. Showing one run."),
    ("hidden_size:" + "9" * 400 + ",8", "expected an integer >= 1 and <= 4096. Showing one run."),
    ("batch_size:1,4096", "compare: batch_size = 4096: this page offers 1 … 100. Showing one run."),
    ("epochs:1,1000000", "compare: epochs = 1000000: this page offers 1 … 500. Showing one run."),
    ("lr:10,1", "compare: lr = 10: this page offers 1e-05 … 1 on its grid. Showing one run."),
    ("bptt_truncate:1,100000", "bptt_truncate = 100000: this page offers 1 … 50 or full. Showing one run."),
])
def test_compared_values_obey_the_pages_ranges(spec, says):
    at = open_page("sine", compare=spec)
    assert not at.exception, [e.value for e in at.exception]
    assert len(page_runs(at, "sine").runs) == 1
    assert [str(e.value) for e in at.error if says in str(e.value)]
    assert "compare" not in at.query_params


def test_a_cell_from_the_link_brings_what_goes_with_it():
    at = open_page("memory", cell="gru")
    run = run_of(at, "memory").run
    assert (run.model.cell, run.model.backend, run.train.lr) == ("gru", "torch", 0.02)
    assert "Cell gru brings: backend torch, learning rate 0.02." in notices(at)


def test_a_value_the_link_sets_is_not_overridden_by_what_goes_with_another():
    at = open_page("memory", cell="gru", lr="0.01")
    run = run_of(at, "memory").run
    assert (run.model.backend, run.train.lr) == ("torch", 0.01)
    assert "Cell gru brings: backend torch." in notices(at)


def test_choosing_a_cell_in_the_sidebar_brings_what_goes_with_it():
    at = open_page("memory")
    at.selectbox(key="cell").set_value("gru").run()
    run = run_of(at, "memory").run
    assert (run.model.cell, run.model.backend, run.train.lr) == ("gru", "torch", 0.02)
    assert knob_value(at, "backend") == "torch" and knob_value(at, "lr") == 0.02
    assert "Cell gru brings: backend torch, learning rate 0.02." in notices(at)
    at.radio(key="backend").set_value("numpy").run()                 # numpy has only the plain RNN
    assert run_of(at, "memory").run.model.cell == "rnn" and knob_value(at, "cell") == "rnn"
    assert not at.error


def test_unknown_names_in_show_are_said():
    at = open_page("sine", show="lr,colour")
    assert "Ignored show='colour' from the link: not a setting of this page." in notices(at)
    at = open_page("sine", show="nope")
    said = "Ignored show='nope' from the link: not a setting of this page; every setting is shown."
    assert said in notices(at)


def test_the_speed_comes_from_the_link_and_goes_back_into_it():
    at = open_page("sine", speed="slow")
    assert page_runs(at, "sine").speed == "slow" and at.select_slider(key="speed").value == "slow"
    at.select_slider(key="speed").set_value("max").run()
    assert page_runs(at, "sine").speed == "max" and at.query_params["speed"] == "max"
    at.select_slider(key="speed").set_value("normal").run()
    assert "speed" not in at.query_params                               # the default is not written


def test_an_unknown_speed_is_said_and_dropped():
    at = open_page("sine", speed="warp")
    assert "Ignored speed='warp' from the link: expected one of slow, normal, fast, max." in notices(at)
    assert "speed" not in at.query_params and page_runs(at, "sine").speed == "normal"
